//! The report as blocks, and the two renderings of them: Markdown and a
//! self-contained HTML page (charts embedded).

use std::fmt::Write;
use std::path::Path;

use crate::report::text::human;

/// A piece of the report.
pub(super) enum Block {
    Heading(String),
    Para(String),
    Bullets(Vec<String>),
    Table(Vec<String>, Vec<Vec<String>>),
    Chart(String, String),
}

pub(super) fn md(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "\n## {h}\n");
            }
            Block::Para(p) => {
                let _ = writeln!(out, "{p}\n");
            }
            Block::Bullets(items) => {
                for i in items {
                    let _ = writeln!(out, "- {i}");
                }
                out.push('\n');
            }
            Block::Table(h, rows) => {
                let _ = writeln!(out, "| {} |", h.join(" | "));
                let _ = writeln!(
                    out,
                    "|{}|",
                    h.iter().map(|_| "---").collect::<Vec<_>>().join("|")
                );
                for r in rows {
                    let _ = writeln!(out, "| {} |", r.join(" | "));
                }
                out.push('\n');
            }
            Block::Chart(stem, alt) => {
                let _ = writeln!(out, "![{alt}](charts/{stem}.png)\n");
            }
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn html(title: &str, blocks: &[Block], dir: &Path) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#f3f3f3}}td:first-child,th:first-child{{text-align:left}}svg{{max-width:100%;height:auto}}</style></head><body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Heading(h) => {
                let _ = writeln!(out, "<h2>{}</h2>", esc(h));
            }
            Block::Para(p) => {
                let _ = writeln!(out, "<p>{}</p>", esc(p));
            }
            Block::Bullets(items) => {
                out.push_str("<ul>");
                for i in items {
                    let _ = write!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(h, rows) => {
                out.push_str("<table><tr>");
                for c in h {
                    let _ = write!(out, "<th>{}</th>", esc(c));
                }
                out.push_str("</tr>");
                for r in rows {
                    out.push_str("<tr>");
                    for c in r {
                        let _ = write!(out, "<td>{}</td>", esc(c));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</table>\n");
            }
            Block::Chart(stem, alt) => {
                // Inline SVG: the page needs no other file.
                match std::fs::read_to_string(dir.join("charts").join(format!("{stem}.svg"))) {
                    Ok(svg) => {
                        let body = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
                        let _ = writeln!(
                            out,
                            "<figure>{body}<figcaption>{}</figcaption></figure>",
                            esc(alt)
                        );
                    }
                    Err(_) => {
                        let _ = writeln!(out, "<p>(chart {} missing)</p>", esc(stem));
                    }
                }
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}

pub(super) fn secs_h(s: Option<f64>) -> String {
    s.map_or("-".to_string(), human)
}
