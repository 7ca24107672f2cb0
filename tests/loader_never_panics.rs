//! Property: random mutations of a valid scenario (deleted lines, swapped values, random
//! bytes, truncation) never panic the loader; they give a model or a list of problems.

use proptest::prelude::*;
use supplyrisk::scenario::validate::validate;

const VALID: &str = include_str!("../scenarios/tutorial.toml");

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapValues(usize, usize),
    InsertBytes(usize, Vec<u8>),
    Truncate(usize),
    ReplaceNumber(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let number = prop_oneof![
        Just("-1".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("1e308".to_string()),
        Just("0".to_string()),
        Just("\"text\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("{ dist = \"pert\", min = 3, mode = 1, max = 2 }".to_string()),
        Just("9223372036854775807".to_string()),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(a, b)| Mutation::InsertBytes(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), number).prop_map(|(a, n)| Mutation::ReplaceNumber(a, n)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len();
    if n == 0 {
        // An earlier truncation left nothing: only inserting bytes still changes anything.
        return match m {
            Mutation::InsertBytes(_, bytes) => String::from_utf8_lossy(bytes).into_owned(),
            _ => text.to_string(),
        };
    }
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let line = lines[i % n].clone();
            lines.insert(i % n, line);
        }
        Mutation::SwapValues(a, b) => {
            let value = |l: &str| l.split_once('=').map(|(_, v)| v.to_string());
            let (a, b) = (a % n, b % n);
            if let (Some(va), Some(vb)) = (value(&lines[a]), value(&lines[b])) {
                let ka = lines[a]
                    .split_once('=')
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default();
                let kb = lines[b]
                    .split_once('=')
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default();
                lines[a] = format!("{ka}={vb}");
                lines[b] = format!("{kb}={va}");
            }
        }
        Mutation::InsertBytes(at, bytes) => {
            let mut raw = lines.join("\n").into_bytes();
            let at = at % (raw.len() + 1);
            raw.splice(at..at, bytes.iter().copied());
            return String::from_utf8_lossy(&raw).into_owned();
        }
        Mutation::Truncate(at) => {
            let joined = lines.join("\n");
            let mut at = at % (joined.len() + 1);
            while !joined.is_char_boundary(at) {
                at -= 1;
            }
            return joined[..at].to_string();
        }
        Mutation::ReplaceNumber(i, replacement) => {
            let i = i % n;
            if let Some((key, _)) = lines[i].split_once('=') {
                lines[i] = format!("{key}= {replacement}");
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut text = VALID.to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        match validate(&text, "mutated") {
            Ok(model) => prop_assert!(!model.variants.is_empty()),
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                for p in &problems {
                    prop_assert!(!p.message.is_empty());
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = validate(&text, "random");
    }
}
