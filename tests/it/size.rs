//! The house's size bar, checked on the source: no function over
//! [`MAX_FN_LINES`] lines and no file over [`MAX_FILE_LINES`] lines before
//! its tests, outside the marked tables.
//!
//! A table is marked by a comment line `// Table: …` (or `//! Table: …` for
//! a whole file) directly above the item: serde mirrors, fact and rule
//! tables. [`SHRINKING`] lists the functions still over the bar, each with
//! its length when the bar was set: one may shrink off the list, none may
//! grow, and no other may cross the bar.

use std::fs;

use super::root;

/// The longest a function may be, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 80;
/// The longest a file may be before its `#[cfg(test)]` part.
const MAX_FILE_LINES: usize = 500;

/// Functions over the bar when it was set, `(file under src/, name, lines)`:
/// each must stay at or under its length and leaves the list once under the
/// bar.
const SHRINKING: &[(&str, &str, usize)] = &[];

/// Files over the bar when it was set, `(file under src/, lines)`.
const SHRINKING_FILES: &[(&str, usize)] = &[];

/// A function of a file: its name, first line (1-based) and length in lines.
#[derive(Debug, PartialEq)]
pub struct FnSpan {
    pub name: String,
    pub line: usize,
    pub lines: usize,
}

/// The text with comments, string and character literals blanked (same
/// length and lines), so braces can be counted.
fn blank_literals(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            blank(&mut out, i, i + end);
            i += end;
        } else if rest.starts_with(b"/*") {
            let end = find(rest, b"*/").map_or(rest.len(), |e| e + 2);
            blank(&mut out, i, i + end);
            i += end;
        } else if let Some(len) = raw_string_len(rest, i == 0 || !is_ident(b[i - 1])) {
            blank(&mut out, i, i + len);
            i += len;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i, (i + j + 1).min(b.len()));
            i += j + 1;
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\u{7b}'), not a lifetime ('a).
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            let len = len.unwrap_or(1);
            blank(&mut out, i, i + len);
            i += len;
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced")
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The length of a raw string (`r"…"`, `r#"…"#`, `br#"…"#`) at the start.
fn raw_string_len(rest: &[u8], word_start: bool) -> Option<usize> {
    if !word_start {
        return None;
    }
    let start = if rest.starts_with(b"br") {
        2
    } else if rest.starts_with(b"r") {
        1
    } else {
        return None;
    };
    let hashes = rest[start..].iter().take_while(|&&c| c == b'#').count();
    if rest.get(start + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let body = start + hashes + 1;
    find(&rest[body..], &close).map(|e| body + e + close.len())
}

/// The part of a file before its tests: up to its first `#[cfg(test)]` at
/// the start of a line.
fn before_tests(text: &str) -> &str {
    // A `#[cfg(test)] mod tests;` declaration (its tests in another file)
    // does not end the code: only an inline test module does.
    let inline = text.match_indices("\n#[cfg(test)]").find(|(at, m)| {
        let next = text[at + m.len()..].trim_start();
        !(next.starts_with("mod ") && next.split('{').next().is_some_and(|h| h.contains(';')))
    });
    match inline {
        Some((at, _)) => &text[..at + 1],
        None => text,
    }
}

/// Every function with a body in `text` (before its tests), with its length,
/// except those marked as a table.
pub fn functions(text: &str) -> Vec<FnSpan> {
    let code = blank_literals(before_tests(text));
    let original: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(code.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        if n > 0 && is_table_mark(original[n - 1]) {
            continue;
        }
        if let Some(end) = body_end(&code[starts[n]..]) {
            let last = n + code[starts[n]..starts[n] + end].matches('\n').count();
            out.push(FnSpan {
                name,
                line: n + 1,
                lines: last - n + 1,
            });
        }
    }
    out
}

fn is_table_mark(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("// Table:") || t.starts_with("//! Table:")
}

/// The name of the function a line declares, if it does.
fn fn_name(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "fn")?;
    let modifiers = [
        "pub", "const", "async", "unsafe", "extern", "\"C\"", "default",
    ];
    let before_ok = words[..at]
        .iter()
        .all(|w| modifiers.contains(w) || w.starts_with("pub("));
    let name: String = words
        .get(at + 1)?
        .chars()
        .take_while(|c| is_ident(*c as u8))
        .collect();
    (before_ok && !name.is_empty()).then_some(name)
}

/// Where the body that starts in `code` ends (the byte after its closing
/// brace), or `None` for a declaration without one.
fn body_end(code: &str) -> Option<usize> {
    let open = code.find(['{', ';'])?;
    if code.as_bytes()[open] == b';' {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Lines before tests, unless the file is marked as a table.
fn file_lines(text: &str) -> Option<usize> {
    let marked = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .any(is_table_mark);
    (!marked).then(|| before_tests(text).lines().count())
}

/// Every `.rs` file under `src/` outside the adapters and test modules
/// (`tests.rs`), relative to `src/`.
fn checked_files() -> Vec<(String, String)> {
    let src = root().join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if p.is_dir() {
                stack.push(p);
            } else if rel.ends_with(".rs") && !rel.ends_with("tests.rs") {
                out.push((rel, fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Everything over the bar in `files`, against the allowances.
pub fn problems(
    files: &[(String, String)],
    shrinking: &[(&str, &str, usize)],
    shrinking_files: &[(&str, usize)],
) -> Vec<String> {
    let mut out = Vec::new();
    // An entry whose file is gone (split or renamed) is stale.
    let listed = shrinking
        .iter()
        .map(|e| e.0)
        .chain(shrinking_files.iter().map(|e| e.0));
    for p in listed.filter(|p| !files.iter().any(|(rel, _)| rel == p)) {
        out.push(format!(
            "src/{p}: no such file any more: remove its entries from tests/it/size.rs"
        ));
    }
    for (rel, text) in files {
        let fns = functions(text);
        for f in &fns {
            let listed = shrinking.iter().any(|(p, n, _)| p == rel && *n == f.name);
            if !listed && f.lines > MAX_FN_LINES {
                out.push(format!(
                    "src/{rel}:{}: `{}` is {} lines, over the {MAX_FN_LINES}-line bar: split it into named steps",
                    f.line, f.name, f.lines
                ));
            }
        }
        for &(_, name, was) in shrinking.iter().filter(|(p, _, _)| p == rel) {
            // Methods of several impls may share a name: the longest counts.
            let longest = fns
                .iter()
                .filter(|f| f.name == name)
                .max_by_key(|f| f.lines);
            match longest {
                Some(f) if f.lines > was => out.push(format!(
                    "src/{rel}:{}: `{name}` is {} lines, longer than its {was} when the bar was set: split it",
                    f.line, f.lines
                )),
                Some(f) if f.lines > MAX_FN_LINES => {}
                _ => out.push(format!(
                    "src/{rel}: `{name}` is within the bar: remove it from SHRINKING in tests/it/size.rs"
                )),
            }
        }
        if let Some(n) = file_lines(text) {
            let allowed = shrinking_files.iter().find(|(p, _)| p == rel).map(|a| a.1);
            match allowed {
                Some(was) if n > was => out.push(format!(
                    "src/{rel}: {n} lines before its tests, more than its {was} when the bar was set: split the file"
                )),
                Some(_) if n <= MAX_FILE_LINES => out.push(format!(
                    "src/{rel}: {n} lines before its tests, within the bar: remove it from SHRINKING_FILES in tests/it/size.rs"
                )),
                None if n > MAX_FILE_LINES => out.push(format!(
                    "src/{rel}: {n} lines before its tests, over the {MAX_FILE_LINES}-line bar: split the file"
                )),
                _ => {}
            }
        }
    }
    out
}

/// Lines outside `pipeline/places.rs` (which alone lays places out) that
/// unpack an id from a dense index by hand: `from_index(… / …)` or `% …`.
fn unpacked_ids(files: &[(String, String)]) -> Vec<String> {
    let unpack = regex::Regex::new(r"from_index\([^;]*[/%]").unwrap();
    let mut out = Vec::new();
    for (rel, text) in files {
        if rel == "pipeline/places.rs" {
            continue;
        }
        let code = blank_literals(before_tests(text));
        for (i, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            if unpack.is_match(line) {
                out.push(format!(
                    "src/{rel}:{}: an id unpacked by hand: use pipeline::places::Layout",
                    i + 1
                ));
            }
        }
    }
    out
}

#[test]
fn no_id_is_unpacked_from_a_dense_index_outside_places() {
    let p = unpacked_ids(&checked_files());
    assert!(p.is_empty(), "{}", p.join("\n"));
    let caught = unpacked_ids(&[(
        "a.rs".into(),
        "fn f() {\n    let r = RegionId::from_index(idx % nr); // from_index(a / b)\n}\n".into(),
    )]);
    assert_eq!(
        caught,
        ["src/a.rs:2: an id unpacked by hand: use pipeline::places::Layout"]
    );
}

#[test]
fn no_function_or_file_over_the_bar() {
    let p = problems(&checked_files(), SHRINKING, SHRINKING_FILES);
    assert!(p.is_empty(), "over the size bar:\n{}", p.join("\n"));
}

#[test]
fn the_bar_catches_a_long_function_and_file_and_skips_literals_and_tables() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let long = format!("pub(crate) fn long(\n    a: u8,\n) -> u8 {{\n{body}    a\n}}\n");
    let fns = functions(&format!(
        "fn short() {{ let s = \"}}\"; let c = '}}'; let r = r#\"{{\"#; }}\n// Table: a table\nfn table() {{\n{body}}}\n{long}"
    ));
    assert_eq!(fns.len(), 2, "{fns:?}");
    assert_eq!(
        fns[0],
        FnSpan {
            name: "short".into(),
            line: 1,
            lines: 1
        }
    );
    assert_eq!(fns[1].name, "long");
    assert_eq!(fns[1].lines, MAX_FN_LINES + 5);
    let file = |t: String| vec![("a.rs".to_string(), t)];
    let p = problems(&file(long.clone()), &[], &[]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("src/a.rs:1: `long` is 85 lines, over the 80-line bar"),
        "{}",
        p[0]
    );
    // A listed function may not grow; one within the bar leaves the list.
    assert!(
        problems(&file(long.clone()), &[("a.rs", "long", 84)], &[])[0]
            .contains("longer than its 84")
    );
    assert!(problems(&file(long.clone()), &[("a.rs", "long", 85)], &[]).is_empty());
    // An entry for a file that is gone is stale.
    assert!(
        problems(
            &file(long.clone()),
            &[("a.rs", "long", 85), ("b.rs", "f", 90)],
            &[]
        )[0]
        .contains("src/b.rs: no such file")
    );
    assert!(
        problems(&file("fn long() {}\n".into()), &[("a.rs", "long", 85)], &[])[0]
            .contains("remove it")
    );
    // Files count up to their tests.
    let big = "const A: u8 = 0;\n".repeat(MAX_FILE_LINES + 1);
    assert!(problems(&file(big.clone()), &[], &[])[0].contains("501 lines before its tests"));
    let tested = format!("const A: u8 = 0;\n#[cfg(test)]\nmod tests {{\n{big}}}\n");
    // A test module declared in another file does not hide what follows it.
    let declared = format!("mod a;\n#[cfg(test)]\nmod tests;\n{big}");
    assert!(problems(&file(declared), &[], &[])[0].contains("504 lines before its tests"));
    assert!(problems(&file(tested), &[], &[]).is_empty());
    let table = format!("//! Table: facts.\n{big}");
    assert!(problems(&file(table), &[], &[]).is_empty());
}
