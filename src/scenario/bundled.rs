//! Scenarios compiled into the binary, so `supplyrisk` runs with no files at all.

use crate::scenario::Source;

/// A scenario shipped inside the binary.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// Name users type (`supplyrisk run <name>`), the file stem in `scenarios/`.
    pub name: &'static str,
    /// One line on the question it answers.
    pub summary: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

impl Bundled {
    /// The scenario as a source.
    pub fn source(&self) -> Source {
        Source::from_text(
            format!("{}.toml (bundled)", self.name),
            self.name,
            true,
            self.text,
        )
    }
}

/// The scenario run when none is named.
pub const DEFAULT: &str = "pakistan";

/// Every bundled scenario, the default first.
pub const ALL: &[Bundled] = &[
    Bundled {
        name: "pakistan",
        summary: "How much would Pakistani supply (USSM–FWO refinery, Reko Diq) reduce US dependency on China for rare earths, antimony, tungsten, copper and gold?",
        text: include_str!("../../scenarios/pakistan.toml"),
    },
    Bundled {
        name: "antimony_ban",
        summary: "Stress test: China's December 2024 antimony ban on the US returns in 2026; how much could Pakistani antimony (or Perpetua's Stibnite) replace?",
        text: include_str!("../../scenarios/antimony_ban.toml"),
    },
    Bundled {
        name: "rare_earths",
        summary: "Separation and magnets in detail: how much do Lynas, MP 10X, eVAC, Solvay and a Pakistani refinery cut US dependency on China for NdPr magnets and Dy/Tb?",
        text: include_str!("../../scenarios/rare_earths.toml"),
    },
    Bundled {
        name: "copper_reko_diq",
        summary: "Reko Diq and Saindak copper and gold: why their effect on US dependency on China is about zero.",
        text: include_str!("../../scenarios/copper_reko_diq.toml"),
    },
    Bundled {
        name: "tutorial",
        summary: "A six-node teaching network: one new mine against a Chinese export-control regime.",
        text: include_str!("../../scenarios/tutorial.toml"),
    },
];

/// The bundled scenario called `name` (with or without `.toml`).
pub fn find(name: &str) -> Option<&'static Bundled> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    ALL.iter().find(|b| b.name == name)
}
