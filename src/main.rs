//! The `supplyrisk` command: parse flags, call the library, map errors to exit codes.

use supplyrisk::app::{self, EXIT_OK};
use supplyrisk::cli;

fn main() {
    app::handle_interrupts();
    let cli = cli::parse_command_line();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    let code = match app::execute(cli, &mut stdout, &mut stderr) {
        Ok(()) => EXIT_OK,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    };
    std::process::exit(code);
}
