//! Byte scans of a scenario's text where the TOML reader's error has no
//! useful position: an unclosed `[`, a key nested too deep.

use std::ops::Range;

/// The last `[` before byte `upto` that no `]` in the whole text closes
/// (strings and comments left out), if any.
pub(super) fn unclosed_bracket(text: &str, upto: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let triple = bytes[i..].starts_with(&[q, q, q]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if q == b'"' && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == q && (!triple || bytes[i..].starts_with(&[q, q, q])) {
                        i += if triple { 2 } else { 0 };
                        break;
                    }
                    if !triple && bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'[' => open.push(i),
            b']' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    open.into_iter().rev().find(|&o| o < upto)
}

/// The key or table header with the most dotted parts (quoted parts and
/// comments left out): its span and its depth; the whole text's start when
/// there are none.
pub(super) fn deepest_key(text: &str) -> (Option<Range<usize>>, usize) {
    let mut best: (Option<Range<usize>>, usize) = (None, 0);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let at = start + (line.len() - body.len());
        let key = match body.as_bytes().first() {
            Some(b'[') => body.split(']').next().unwrap_or(""),
            Some(b'#') | None => "",
            _ => body.split('=').next().unwrap_or(""),
        };
        let depth = 1 + dots_outside_quotes(key);
        if !key.trim().is_empty() && depth > best.1 {
            best = (Some(at..at + key.trim_end().len()), depth);
        }
        start += line.len();
    }
    best
}

/// The `.` of `key` outside its quoted parts.
fn dots_outside_quotes(key: &str) -> usize {
    let mut quote = None;
    key.chars()
        .filter(|&c| {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
            quote.is_none() && c == '.'
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deepest_key_is_found_with_its_depth() {
        let text = "a = 1\n[x.y]\nb.\"c.d\".e = 2\n";
        let (span, depth) = deepest_key(text);
        assert_eq!(depth, 3);
        assert_eq!(&text[span.unwrap()], "b.\"c.d\".e");
        let deep = format!("ok = 1\n{} = 2\n", vec!["k"; 200].join("."));
        let (span, depth) = deepest_key(&deep);
        assert_eq!((span.map(|s| s.start), depth), (Some(7), 200));
    }
}
