//! An interrupted run (Ctrl-C, `SIGTERM`) leaves nothing behind: no result, no hidden staging
//! folder, no folder made to hold the result, and an earlier result in the folder exactly as it was; it exits with 128 + the
//! signal (130 for Ctrl-C). `SIGHUP` keeps its default, so `nohup` still protects a run.
#![cfg(unix)]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use supplyrisk::app::EXIT_INTERRUPTED;

/// The arguments of a run far too long to finish: 10^9 trials of the bundled tutorial.
const LONG_RUN: [&str; 5] = ["run", "tutorial", "--trials", "1000000000", "--no-charts"];

/// The long run into `out`, as a command to start, through `launcher` (a command and its
/// arguments, before the binary: `nohup`, say) if it is not empty; stdout discarded, stderr
/// piped.
fn long_run(launcher: &[&str], out: &Path) -> Command {
    ctrl_c_at_its_default_for_runs();
    let binary = env!("CARGO_BIN_EXE_supplyrisk");
    let mut command = match launcher {
        [] => Command::new(binary),
        [program, arguments @ ..] => {
            let mut command = Command::new(program);
            command.args(arguments).arg(binary);
            command
        }
    };
    command
        .args(LONG_RUN)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Makes the runs these tests start get Ctrl-C (`SIGINT`) at its default action, whatever this
/// test process inherited. Started with Ctrl-C ignored (a background job of a non-interactive
/// shell, `trap '' INT`, as some CI runners start their jobs), it would pass that on, and a run
/// keeps an ignored Ctrl-C ignored by design (`an_ignored_ctrl_c_stays_ignored`): the tests
/// that interrupt with it would wait a minute and fail. A signal this process handles is reset
/// to its default action in a program it starts (`exec`), so this installs a handler that does
/// what the default does (terminates this process).
fn ctrl_c_at_its_default_for_runs() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let always = Arc::new(AtomicBool::new(true));
        signal_hook::flag::register_conditional_default(signal_hook::consts::SIGINT, always)
            .expect("a SIGINT handler in the test process");
    });
}

/// A run started by a test, killed when the test ends before the run has exited: a run of
/// 10^9 trials must not outlive a test that failed (a panic between starting it and
/// interrupting it), or it would take a core from everything after.
struct Run(Child);

impl Run {
    fn start(command: &mut Command) -> std::io::Result<Run> {
        command.spawn().map(Run)
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts the long run into `out`.
fn start_long_run(out: &Path) -> Run {
    Run::start(&mut long_run(&[], out)).expect("the binary starts")
}

/// Waits until `condition` holds, for at most a minute; on a timeout, kills `child` (a run of
/// 10^9 trials must not outlive a failed test) and fails.
fn wait_for(child: &mut Child, what: &str, mut condition: impl FnMut(&mut Child) -> bool) {
    let start = Instant::now();
    while !condition(child) {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("timed out: {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The names in `folder` that start with `.` and hold `partial` or `locking` (none while
/// `folder` does not exist yet).
fn hidden_staging(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| {
            name.starts_with('.') && (name.contains("partial") || name.contains("locking"))
        })
        .collect()
}

/// Sends `signal` to the run once its staging folder (in `staging_in`) exists: the
/// simulation is under way.
fn signal_when_running(child: &mut Child, signal: &str, staging_in: &Path) {
    wait_for(child, "the run's staging folder", |_| {
        !hidden_staging(staging_in).is_empty()
    });
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Sends `signal` to the running run and checks, half a second later, that it still runs.
fn assert_survives(run: &mut Run, signal: &str, staging_in: &Path) {
    signal_when_running(&mut run.0, signal, staging_in);
    std::thread::sleep(Duration::from_millis(500));
    if run.0.try_wait().expect("wait").is_some() {
        panic!("the run must survive {signal}");
    }
}

/// Sends `signal` to the running run, and returns its exit code and stderr.
fn interrupt(mut run: Run, signal: &str, staging_in: &Path) -> (Option<i32>, String) {
    let child = &mut run.0;
    signal_when_running(child, signal, staging_in);
    wait_for(child, "the run to exit", |child| {
        child.try_wait().expect("wait").is_some()
    });
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    (child.wait().expect("exited").code(), stderr)
}

#[test]
fn ctrl_c_during_a_run_into_a_new_folder_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("result");
    let child = start_long_run(&out);
    let (code, stderr) = interrupt(child, "-INT", dir.path());
    assert_eq!(code, Some(EXIT_INTERRUPTED), "{stderr}");
    assert!(stderr.contains("interrupted: nothing written"), "{stderr}");
    assert!(!out.exists(), "no result folder");
    assert_eq!(hidden_staging(dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_during_a_run_leaves_no_folder_it_made_to_hold_the_result() {
    // As `supplyrisk` with no arguments does in a new folder: `output/` is made for
    // `output/<name>`; the interrupted run takes it away again.
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("output");
    let child = start_long_run(&output.join("result"));
    let (code, stderr) = interrupt(child, "-TERM", &output);
    assert_eq!(code, Some(128 + 15), "{stderr}");
    assert!(stderr.contains("interrupted: nothing written"), "{stderr}");
    assert!(!output.exists(), "no `output/` folder left");
}

#[test]
fn sigterm_during_a_run_into_an_earlier_result_leaves_it_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("result");
    let first = Command::new(env!("CARGO_BIN_EXE_supplyrisk"))
        .args(["run", "tutorial", "--trials", "50", "--no-charts", "--out"])
        .arg(&out)
        .output()
        .expect("the binary runs");
    assert!(first.status.success());
    let before: Vec<(String, Vec<u8>)> =
        ["summary.csv", "summary.json", "monthly.csv", "report.md"]
            .iter()
            .map(|name| {
                let bytes = std::fs::read(out.join(name)).expect("an earlier result file");
                (name.to_string(), bytes)
            })
            .collect();
    let child = start_long_run(&out);
    let (code, stderr) = interrupt(child, "-TERM", &out);
    assert_eq!(code, Some(128 + 15), "{stderr}");
    for (name, bytes) in &before {
        assert_eq!(
            &std::fs::read(out.join(name)).expect("still there"),
            bytes,
            "{name}"
        );
    }
    assert_eq!(hidden_staging(&out), Vec::<String>::new());
    assert_eq!(hidden_staging(dir.path()), Vec::<String>::new());
}

/// A run under `nohup` (SIGHUP ignored) survives a hang-up, and is still interrupted cleanly.
#[test]
fn a_run_under_nohup_survives_a_hang_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("result");
    let Ok(mut child) = Run::start(long_run(&["nohup"], &out).current_dir(dir.path())) else {
        eprintln!("SKIPPED: no nohup on this machine");
        return;
    };
    assert_survives(&mut child, "-HUP", dir.path());
    let (code, stderr) = interrupt(child, "-INT", dir.path());
    assert_eq!(code, Some(EXIT_INTERRUPTED), "{stderr}");
    assert_eq!(hidden_staging(dir.path()), Vec::<String>::new());
}

/// A terminal that is gone (writes to stderr fail) does not stop an interrupt from exiting.
#[cfg(target_os = "linux")]
#[test]
fn an_interrupt_exits_even_when_stderr_cannot_be_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("result");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let child = Run::start(long_run(&[], &out).stderr(full)).expect("the binary starts");
    let (code, _) = interrupt(child, "-INT", dir.path());
    assert_eq!(code, Some(EXIT_INTERRUPTED));
    assert_eq!(hidden_staging(dir.path()), Vec::<String>::new());
}

/// A run started with Ctrl-C ignored (a background job of a script, `trap '' INT`) keeps
/// ignoring it, as it did without a handler; `SIGTERM` still stops it cleanly.
#[cfg(target_os = "linux")]
#[test]
fn an_ignored_ctrl_c_stays_ignored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("result");
    let mut child = Run::start(&mut long_run(
        &["sh", "-c", "trap '' INT; exec \"$@\"", "sh"],
        &out,
    ))
    .expect("sh starts");
    assert_survives(&mut child, "-INT", dir.path());
    let (code, stderr) = interrupt(child, "-TERM", dir.path());
    assert_eq!(code, Some(128 + 15), "{stderr}");
    assert_eq!(hidden_staging(dir.path()), Vec::<String>::new());
}
