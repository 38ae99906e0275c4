//! Generated names (`adjective_noun`), as podman gives containers and pods without one.

const ADJECTIVES: &[&str] = &[
    "agile", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "eager", "fair", "fond",
    "gentle", "happy", "keen", "kind", "lively", "lucid", "merry", "modest", "nimble", "noble",
    "patient", "proud", "quick", "quiet", "rapid", "serene", "sharp", "steady", "swift", "tidy",
    "vivid",
];
const NOUNS: &[&str] = &[
    "albatross",
    "badger",
    "beaver",
    "bison",
    "cheetah",
    "crane",
    "dolphin",
    "eagle",
    "falcon",
    "ferret",
    "gecko",
    "heron",
    "ibex",
    "jaguar",
    "kestrel",
    "koala",
    "lemur",
    "lynx",
    "marmot",
    "narwhal",
    "ocelot",
    "otter",
    "owl",
    "panda",
    "puffin",
    "quokka",
    "raven",
    "seal",
    "stork",
    "tapir",
    "walrus",
    "yak",
];

/// A name from the first bytes of a (random) ID: `adjective_noun`, plus ID digits if `n` > 0.
pub(crate) fn generate(id: &str, n: usize) -> String {
    let b = |i: usize| usize::from_str_radix(id.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    let base = format!(
        "{}_{}",
        ADJECTIVES[b(0) % ADJECTIVES.len()],
        NOUNS[b(2) % NOUNS.len()]
    );
    if n == 0 {
        base
    } else {
        format!("{base}_{}", id.get(4..4 + n.min(12)).unwrap_or("0"))
    }
}

/// Refuses a name that is invalid or held by a container or pod (by exact name).
pub(crate) fn check_free(state: &dyn libpod_state::State, name: &str) -> crate::Result<()> {
    libpod_state::check_name(name)?;
    match name_owner(state, name) {
        Some(owner) => Err(libpod_state::StateError::NameInUse {
            name: name.to_string(),
            owner,
        }
        .into()),
        None => Ok(()),
    }
}

/// Who has `name`, by exact name (an ID prefix is not a name): "container ID" or "pod ID".
pub(crate) fn name_owner(state: &dyn libpod_state::State, name: &str) -> Option<String> {
    if let Ok(c) = state.lookup_container(name)
        && c.name == name
    {
        return Some(format!("container {}", c.id));
    }
    match state.lookup_pod(name) {
        Ok(p) if p.name == name => Some(format!("pod {}", p.id)),
        _ => None,
    }
}
