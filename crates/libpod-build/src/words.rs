//! Containerfile words: variable expansion (`$V`, `${V}`, `${V:-default}`, `${V:+alt}`,
//! `${V-default}`, `${V+alt}`), quotes and escapes, and `KEY=VALUE` lists (ENV, LABEL, ARG),
//! as the Dockerfile reference defines them.

/// Looks a variable up (`None`: unset).
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Expands variables in `text` (outside single quotes); quotes and escapes stay, for
/// [`split`] to read. An unterminated `${` is kept as written.
pub fn expand(text: &str, vars: Lookup<'_>, escape: char) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut single) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        if c == escape && !single && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '\'' {
            single = !single;
        }
        if c != '$' || single || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        match expand_at(&chars, i + 1, vars) {
            Some((value, next)) => {
                out.push_str(&value);
                i = next;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The value of the variable reference starting at `chars[i]` (just after `$`) and the
/// index after it; `None` when no reference starts there.
fn expand_at(chars: &[char], i: usize, vars: Lookup<'_>) -> Option<(String, usize)> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars[i] != '{' {
        let end = (i..chars.len())
            .find(|&j| !is_name(chars[j]))
            .unwrap_or(chars.len());
        if end == i {
            return None;
        }
        let name: String = chars[i..end].iter().collect();
        return Some((vars(&name).unwrap_or_default(), end));
    }
    // ${...}, with nesting in the word after the operator.
    let mut depth = 0;
    let close = (i..chars.len()).find(|&j| {
        match chars[j] {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        depth == 0
    })?;
    let inner: String = chars[i + 1..close].iter().collect();
    let name_end = inner.find(|c: char| !is_name(c)).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_end);
    let value = vars(name);
    let word = |w: &str| expand(w, vars, '\\');
    let out = match rest {
        "" => value.unwrap_or_default(),
        r if r.starts_with(":-") => value
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| word(&r[2..])),
        r if r.starts_with(":+") => value
            .filter(|v| !v.is_empty())
            .map(|_| word(&r[2..]))
            .unwrap_or_default(),
        r if r.starts_with('-') => value.unwrap_or_else(|| word(&r[1..])),
        r if r.starts_with('+') => value.map(|_| word(&r[1..])).unwrap_or_default(),
        _ => return None,
    };
    Some((out, close + 1))
}

/// Splits `text` into words at unquoted whitespace, removing quotes and escapes.
pub fn split(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let (mut in_word, mut quote) = (false, None::<char>);
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, c) if c == escape => {
                in_word = true;
                match it.next() {
                    Some(n) if quote.is_none() || n == '"' || n == escape => cur.push(n),
                    Some(n) => {
                        cur.push(c);
                        cur.push(n);
                    }
                    None => cur.push(c),
                }
            }
            (_, c) => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// `KEY=VALUE ...` pairs (each word split at its first `=`; a word without one is a key
/// without a value), or with `legacy` and no `=` in the first word, `KEY VALUE...` (the
/// rest of the text is the value, as `ENV KEY VALUE` is read).
pub fn pairs(text: &str, escape: char, legacy: bool) -> Vec<(String, Option<String>)> {
    let words = split(text, escape);
    if legacy && words.first().is_some_and(|w| !w.contains('=')) && words.len() > 1 {
        let trimmed = text.trim_start();
        let rest = trimmed[trimmed.find(char::is_whitespace).unwrap_or(trimmed.len())..].trim();
        return vec![(words[0].clone(), Some(split(rest, escape).join(" ")))];
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("1".into()),
            "EMPTY" => Some(String::new()),
            "PATHY" => Some("/usr/bin".into()),
            _ => None,
        }
    }

    #[test]
    fn expansion_forms() {
        let e = |s: &str| expand(s, &vars, '\\');
        assert_eq!(e("$A ${A} x$A.y"), "1 1 x1.y");
        assert_eq!(e("${NONE:-dflt} ${A:-dflt} ${EMPTY:-e}"), "dflt 1 e");
        assert_eq!(e("${A:+set} ${NONE:+set}|${EMPTY:+set}"), "set |");
        assert_eq!(e("${EMPTY-d} ${NONE-d} ${EMPTY+p}"), " d p");
        assert_eq!(e("${NONE:-${A}}"), "1");
        assert_eq!(e("'$A' \"$A\" \\$A $"), "'$A' \"1\" \\$A $");
        assert_eq!(e("${PATHY}:/x"), "/usr/bin:/x");
    }

    #[test]
    fn words_and_pairs() {
        assert_eq!(
            split("a \"b c\" 'd e' f\\ g", '\\'),
            ["a", "b c", "d e", "f g"]
        );
        assert_eq!(split("\"x\\\"y\"", '\\'), ["x\"y"]);
        let p = pairs("A=1 B=\"two words\"   C=3", '\\', true);
        assert_eq!(
            p,
            [
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), Some("3".into()))
            ]
        );
        assert_eq!(
            pairs("KEY a value", '\\', true),
            [("KEY".into(), Some("a value".into()))]
        );
        assert_eq!(pairs("V", '\\', false), [("V".into(), None)]);
        assert_eq!(
            pairs("\"z z\"=w", '\\', false),
            [("z z".into(), Some("w".into()))]
        );
    }

    proptest::proptest! {
        #[test]
        fn expansion_never_panics(s in "\\PC{0,40}") {
            let _ = expand(&s, &vars, '\\');
            let _ = split(&s, '\\');
            let _ = pairs(&s, '`', true);
        }
    }
}
