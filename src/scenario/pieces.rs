//! A large scenario read in pieces: its long arrays of tables (20,000
//! `[[account]]`, 1,000 `[[pipeline]]`) are parsed some 64 KiB at a time
//! and deserialized as each is parsed, their spans moved back to the
//! file's: the same scenario the whole document gives (a test). toml's
//! parser holds every token and event of what it parses at once beside the
//! tree it builds: `amisim validate` of a 1.2 MB file of 20,000 accounts
//! peaked at 62 MB reading it whole, 24 MB in pieces. Only a document that reads is read this way; anything
//! else (a piece or the rest that does not parse, an array the rest also
//! defines) returns `None` and is read whole, for its errors.

use std::ops::Range;

use serde::de::value::StringDeserializer;
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Error, ValueDeserializer};
use toml_parser::lexer::{Token, TokenKind};

/// Below this size a document is read whole.
const PIECES_FROM: usize = 256 << 10;
/// A piece ends at the first element of its array past this many bytes.
const PIECE: usize = 64 << 10;

/// Where a document's arrays of tables are cut: each piece is the name of
/// its array and its range of the text, from an element's `[[name]]` to
/// the next header of another name (or a later element of it).
#[derive(Debug, PartialEq)]
pub(super) struct Plan {
    pieces: Vec<(String, Range<usize>)>,
}

/// A table header at the start of a statement.
#[derive(Debug)]
struct Header {
    /// Offset of its first `[`.
    at: usize,
    /// `[[…]]`.
    array: bool,
    /// Its first key, when every key is bare: a quoted one or a space inside
    /// leaves it `None`, and such a header never joins a piece.
    first: Option<String>,
    /// How many keys it has.
    keys: usize,
}

impl Header {
    /// An element of array `name` itself: `[[name]]`.
    fn element_of(&self, name: &str) -> bool {
        self.array && self.keys == 1 && self.first.as_deref() == Some(name)
    }
}

impl Plan {
    /// The pieces of `text`, if it is large and holds an array of tables.
    pub(super) fn of(text: &str) -> Option<Plan> {
        Plan::cut(text, PIECES_FROM, PIECE)
    }

    /// The pieces of `text`, of about `piece` bytes, if it has `from` bytes.
    fn cut(text: &str, from: usize, piece: usize) -> Option<Plan> {
        if text.len() < from {
            return None;
        }
        let hs = headers(text);
        let end = |k: usize| hs.get(k).map_or(text.len(), |h| h.at);
        let mut pieces = Vec::new();
        let mut i = 0;
        while i < hs.len() {
            let Some(name) = hs[i]
                .first
                .clone()
                .filter(|_| hs[i].array && hs[i].keys == 1)
            else {
                i += 1;
                continue;
            };
            // The run: every header after it under the same name.
            let mut j = i + 1;
            while j < hs.len() && hs[j].first.as_deref() == Some(&name) {
                j += 1;
            }
            let mut start = i;
            for k in i + 1..=j {
                if k == j || (hs[k].element_of(&name) && end(k) - hs[start].at >= piece) {
                    pieces.push((name.clone(), hs[start].at..end(k)));
                    start = k;
                }
            }
            i = j;
        }
        (!pieces.is_empty()).then_some(Plan { pieces })
    }

    /// `text` without its pieces.
    fn rest(&self, text: &str) -> Rest {
        let mut rest = Rest::default();
        let mut from = 0;
        for (_, r) in &self.pieces {
            rest.keep(text, from..r.start);
            from = r.end;
        }
        rest.keep(text, from..text.len());
        rest
    }
}

/// A document without its pieces: its own text is small, so parsing it holds
/// little. Blanked in place, 20,000 accounts' lines were 8 MB of tokens, and
/// the run peaked at 45 MB instead of 38 (likely glibc: after that one large
/// free it serves the simulation's zeroed tables from its heap, page by page).
#[derive(Default)]
struct Rest {
    text: String,
    /// Each part kept: its offset in `text` here and in the document.
    parts: Vec<(usize, usize)>,
}

impl Rest {
    fn keep(&mut self, doc: &str, r: Range<usize>) {
        self.parts.push((self.text.len(), r.start));
        self.text.push_str(&doc[r]);
    }

    /// A span of `text` here as a span of the document: a start between two
    /// parts is the later one's, an end the earlier one's.
    fn span(&self, r: Range<usize>) -> Range<usize> {
        let at = |i: usize, o: usize| o - self.parts[i].0 + self.parts[i].1;
        let start = self
            .parts
            .partition_point(|p| p.0 <= r.start)
            .saturating_sub(1);
        let end = self
            .parts
            .partition_point(|p| p.0 < r.end)
            .saturating_sub(1);
        at(start, r.start)..at(end, r.end)
    }
}

impl Plan {
    /// The document deserialized as `T`, each array's elements as their
    /// piece is parsed, so that one piece's tree is held at a time; `None` if
    /// any part does not read, or `clean` refuses a table parsed (the rest,
    /// then each piece).
    pub(super) fn deserialize<T: DeserializeOwned>(
        &self,
        text: &str,
        clean: &dyn Fn(&DeTable<'_>) -> bool,
    ) -> Option<T> {
        let rest = self.rest(text);
        let doc = DeTable::parse(&rest.text).ok()?;
        if !clean(doc.get_ref()) {
            return None;
        }
        let mut entries: Vec<(String, Entry<'_>)> = Vec::new();
        for (name, r) in &self.pieces {
            match entries.iter_mut().find(|(n, _)| n == name) {
                Some((_, Entry::Pieces(rs))) => rs.push(r.clone()),
                _ => entries.push((name.clone(), Entry::Pieces(vec![r.clone()]))),
            }
        }
        for (k, v) in doc.into_inner() {
            if entries.iter().any(|(n, _)| n == k.get_ref()) {
                return None;
            }
            let v = moved(v, &|r| rest.span(r));
            entries.push((k.get_ref().to_string(), Entry::Value(v)));
        }
        // In key order, as the whole document's table gives them.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let root = Root {
            text,
            clean,
            entries: entries.into_iter(),
            value: None,
        };
        T::deserialize(root).ok()
    }
}

/// A root entry: a value of the rest, or an array's pieces.
enum Entry<'r> {
    Value(Spanned<DeValue<'r>>),
    Pieces(Vec<Range<usize>>),
}

/// The document's root table, as a map of its entries.
struct Root<'r> {
    text: &'r str,
    clean: &'r dyn Fn(&DeTable<'_>) -> bool,
    entries: std::vec::IntoIter<(String, Entry<'r>)>,
    /// The entry whose key was read last.
    value: Option<Entry<'r>>,
}

impl<'de> Deserializer<'de> for Root<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Root<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, entry)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        seed.deserialize(StringDeserializer::<Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(Entry::Value(v)) => seed.deserialize(ValueDeserializer::from(v)),
            Some(Entry::Pieces(ranges)) => seed.deserialize(Pieces {
                text: self.text,
                clean: self.clean,
                ranges: ranges.into_iter(),
                current: None,
            }),
            None => Err(Error::custom("a value before its key")),
        }
    }
}

/// An array of tables read piece by piece.
struct Pieces<'r> {
    text: &'r str,
    clean: &'r dyn Fn(&DeTable<'_>) -> bool,
    ranges: std::vec::IntoIter<Range<usize>>,
    /// The piece being read: its offset and its elements not yet read.
    current: Option<(usize, <DeArray<'r> as IntoIterator>::IntoIter)>,
}

impl<'r> Pieces<'r> {
    /// The elements of the next piece, or `None` past the last.
    fn next_piece(
        &mut self,
    ) -> Result<Option<(usize, <DeArray<'r> as IntoIterator>::IntoIter)>, Error> {
        let Some(r) = self.ranges.next() else {
            return Ok(None);
        };
        let table = DeTable::parse(&self.text[r.clone()])?.into_inner();
        let bad = || Error::custom("a piece that is not one array of tables");
        if !(self.clean)(&table) || table.len() != 1 {
            return Err(bad());
        }
        let (_, value) = table.into_iter().next().ok_or_else(bad)?;
        let DeValue::Array(items) = value.into_inner() else {
            return Err(bad());
        };
        Ok(Some((r.start, items.into_iter())))
    }
}

impl<'de> Deserializer<'de> for Pieces<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> SeqAccess<'de> for Pieces<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        loop {
            if let Some((by, items)) = &mut self.current
                && let Some(item) = items.next()
            {
                return seed
                    .deserialize(ValueDeserializer::from(moved(item, &|r| {
                        r.start + *by..r.end + *by
                    })))
                    .map(Some);
            }
            match self.next_piece()? {
                Some(next) => self.current = Some(next),
                None => return Ok(None),
            }
        }
    }
}

/// Whether a large document's root surely lacks `key`: its rest (the
/// document without its arrays' pieces, which hold nothing else) reads and
/// has no such key. `false` for a small document, or one that cannot tell.
pub(super) fn surely_lacks(text: &str, key: &str) -> bool {
    let Some(plan) = Plan::of(text) else {
        return false;
    };
    DeTable::parse(&plan.rest(text).text).is_ok_and(|d| !d.get_ref().contains_key(key))
}

/// `v` with every span in it moved by `to`.
fn moved<'r>(
    v: Spanned<DeValue<'r>>,
    to: &dyn Fn(Range<usize>) -> Range<usize>,
) -> Spanned<DeValue<'r>> {
    let span = to(v.span());
    let value = match v.into_inner() {
        DeValue::Table(t) => DeValue::Table(
            t.into_iter()
                .map(|(k, v)| (Spanned::new(to(k.span()), k.into_inner()), moved(v, to)))
                .collect(),
        ),
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let taken = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                *item = moved(taken, to);
            }
            DeValue::Array(items)
        }
        other => other,
    };
    Spanned::new(span, value)
}

/// Every table header that starts a statement, in order. Lexed one token
/// at a time (toml's own lexer, so strings and comments are skipped as
/// TOML reads them), holding nothing but the headers.
fn headers(text: &str) -> Vec<Header> {
    let mut out = Vec::new();
    let mut tokens = toml_parser::Source::new(text).lex().peekable();
    // Statements start at a line's start, outside any value's brackets.
    let (mut line_start, mut depth) = (true, 0usize);
    while let Some(t) = tokens.next() {
        match t.kind() {
            TokenKind::Newline => line_start |= depth == 0,
            TokenKind::Whitespace | TokenKind::Comment => {}
            TokenKind::LeftSquareBracket if line_start && depth == 0 => {
                out.push(header(text, t, &mut tokens));
                line_start = false;
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => {
                depth += 1;
                line_start = false;
            }
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => {
                depth = depth.saturating_sub(1);
                line_start = false;
            }
            _ => line_start = false,
        }
    }
    out
}

/// The header that `open` (its first `[`) starts, read up to its closing
/// bracket or the end of its line (then the document does not parse, and
/// neither does the piece or rest that holds it).
fn header(
    text: &str,
    open: Token,
    tokens: &mut std::iter::Peekable<impl Iterator<Item = Token>>,
) -> Header {
    let array = tokens
        .next_if(|t| t.kind() == TokenKind::LeftSquareBracket)
        .is_some();
    let (mut keys, mut first, mut bare, mut want_key) = (0, None, true, true);
    while let Some(t) = tokens.next_if(|t| !matches!(t.kind(), TokenKind::Newline | TokenKind::Eof))
    {
        match t.kind() {
            TokenKind::Atom if want_key => {
                keys += 1;
                if keys == 1 {
                    first = Some(text[t.span().start()..t.span().end()].to_string());
                }
                want_key = false;
            }
            TokenKind::Dot if !want_key => want_key = true,
            TokenKind::RightSquareBracket => {
                if array
                    && tokens
                        .next_if(|t| t.kind() == TokenKind::RightSquareBracket)
                        .is_none()
                {
                    bare = false;
                }
                break;
            }
            _ => bare = false,
        }
    }
    Header {
        at: open.span().start(),
        array,
        first: first.filter(|_| bare && !want_key),
        keys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::RawScenario;

    fn enterprise() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/enterprise.toml");
        std::fs::read_to_string(path).unwrap()
    }

    /// `text` read whole and in pieces of about `piece` bytes, each as `Debug`
    /// prints it, spans included; `None` where the pieces do not read.
    fn both_ways(text: &str, piece: usize) -> (String, Option<String>) {
        let whole: RawScenario = toml::from_str(text).unwrap();
        let plan = Plan::cut(text, 0, piece).expect("it has arrays of tables");
        let pieces: Option<RawScenario> = plan.deserialize(text, &|_| true);
        (format!("{whole:?}"), pieces.map(|p| format!("{p:?}")))
    }

    #[test]
    fn a_document_read_in_pieces_is_the_document_read_whole_spans_included() {
        let text = enterprise();
        let plan = Plan::cut(&text, 0, 4 << 10).unwrap();
        assert!(plan.pieces.len() > 20, "{} pieces", plan.pieces.len());
        assert!(plan.pieces.iter().any(|(n, _)| n == "account"));
        assert!(plan.pieces.iter().any(|(n, _)| n == "pipeline"));
        let (whole, pieces) = both_ways(&text, 4 << 10);
        assert!(whole.contains("span: "), "Debug shows spans");
        assert_eq!(pieces.as_deref(), Some(whole.as_str()));
    }

    #[test]
    fn headers_inside_strings_arrays_and_comments_are_not_cut_and_runs_interleave() {
        // A description holding header-like lines, an account after the
        // pipelines (the array goes on), a comment between elements.
        let text = enterprise().replacen(
            "description = ",
            "description = \"\"\"\n[[account]]\nname = \"not-an-account\"\n\"\"\"\n# ",
            1,
        ) + "\n# one more\n[[account]]\nname = \"late\"\nid = \"499999999999\"\n";
        let string = text.find("\"\"\"\n[[account]]").unwrap();
        let string = string..string + text[string + 3..].find("\"\"\"").unwrap() + 6;
        assert!(!headers(&text).iter().any(|h| string.contains(&h.at)));
        let (whole, pieces) = both_ways(&text, 2 << 10);
        assert!(whole.contains("late") && whole.contains("not-an-account"));
        assert_eq!(pieces.as_deref(), Some(whole.as_str()));
        let inline = "x = [\n[1],\n[2]]\n[[a]]\nb = 1\n";
        let hs = headers(inline);
        assert_eq!(hs.len(), 1, "{hs:?}");
        assert!(hs[0].element_of("a"));
    }

    #[test]
    fn an_array_the_rest_also_names_is_read_whole() {
        // `[[ account ]]` is an element of the same array, written so that
        // no piece takes it: the pieces cannot tell, so the file reads whole.
        let text = enterprise() + "\n[[ account ]]\nname = \"spaced\"\nid = \"499999999998\"\n";
        let (whole, pieces) = both_ways(&text, 4 << 10);
        assert!(whole.contains("spaced"));
        assert_eq!(pieces, None);
    }

    #[test]
    fn a_large_file_with_an_error_is_read_whole_and_the_error_has_its_line() {
        let mut text = enterprise();
        for i in 0..3_000 {
            let id = if i == 2_500 {
                "5".to_string()
            } else {
                format!("\"{}\"", 450_000_000_000u64 + i)
            };
            text += &format!("\n[[account]]\nname = \"more-{i}\"\nid = {id}\n");
        }
        assert!(text.len() > PIECES_FROM);
        let line = 1 + text[..text.find("id = 5\n").unwrap()].matches('\n').count();
        let e = crate::scenario::from_str(std::path::Path::new("big.toml"), &text).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains(&format!("big.toml:{line}:")), "{shown}");
        let good = text.replace("id = 5\n", "id = \"455555555555\"\n");
        assert!(Plan::of(&good).is_some());
        crate::scenario::from_str(std::path::Path::new("big.toml"), &good).unwrap();
        // A sweep in a large file is found; its absence is told from the rest.
        assert!(surely_lacks(&good, "sweep"));
        let swept = good.replacen(
            "[organization]",
            "[sweep]\n\"horizon\" = [\"30d\", \"60d\"]\n\n[organization]",
            1,
        );
        assert!(!surely_lacks(&swept, "sweep"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, &swept).unwrap();
        let (_, sweep) = crate::scenario::load_with_sweep(&path, &Default::default()).unwrap();
        assert_eq!(sweep.map(|s| s.points.len()), Some(2));
    }
}
