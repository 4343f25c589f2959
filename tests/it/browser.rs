//! The HTML report in a real browser (issue 17): headless Chromium, from
//! Debian's `chromium` package (`.ci/browser.sh` installs it and runs this
//! with `AMISIM_CHROMIUM` set), renders `report.html` of the quickstart and
//! of a large scenario. Every SVG must have a non-empty bounding box and no
//! negative size, nothing may overflow the page's width, and a screenshot
//! must not be blank; every PNG chart must have content.
//!
//! `AMISIM_CHROMIUM=/usr/bin/chromium cargo test --test it browser -- --ignored --nocapture`

use std::path::Path;
use std::process::Command;

use super::amisim_ok;

/// Appended to a copy of the report: measures the page once it is laid out
/// and writes what it found into a `<pre>` that `--dump-dom` prints.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const problems = [];
  const svgs = document.querySelectorAll('svg');
  svgs.forEach((s, i) => {
    const r = s.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) problems.push('svg ' + i + ' has an empty box');
    s.querySelectorAll('*').forEach(e => {
      for (const a of ['width', 'height', 'r', 'rx', 'ry']) {
        const v = e.getAttribute(a);
        if (v !== null && parseFloat(v) < 0) problems.push('svg ' + i + ' ' + e.tagName + ' ' + a + ' = ' + v);
      }
    });
  });
  const W = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > W) problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide in ' + W);
  for (const e of document.body.children) {
    const r = e.getBoundingClientRect();
    if (r.right > W + 1) problems.push(e.tagName + ' ends at ' + Math.round(r.right) + ' px, past the page width ' + W);
  }
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = 'PROBE' + JSON.stringify({svgs: svgs.length, problems: problems.slice(0, 40)}) + 'END';
  document.body.appendChild(pre);
});
</script>"#;

/// Runs headless Chromium with `args` on `page`; its stdout.
fn chromium(bin: &str, page: &Path, args: &[&str]) -> String {
    let o = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1024",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        o.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The fraction of pixels that are not (near) white, and the number of
/// distinct colours, of a PNG.
fn ink(png: &Path) -> (f64, usize) {
    let img = image::open(png)
        .unwrap_or_else(|e| panic!("{}: {e}", png.display()))
        .to_rgb8();
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for p in img.pixels() {
        if p.0.iter().any(|&c| c < 240) {
            inked += 1;
        }
        if colours.len() < 1000 {
            colours.insert(p.0);
        }
    }
    (
        inked as f64 / (img.width() as f64 * img.height() as f64),
        colours.len(),
    )
}

#[test]
#[ignore = "needs Chromium: .ci/browser.sh installs it and runs this"]
fn the_html_report_renders_in_a_real_browser() {
    let bin = std::env::var("AMISIM_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let dir = tempfile::tempdir().unwrap();
    for (scn, n) in [
        ("scenarios/quickstart.toml", "10"),
        ("scenarios/enterprise-capacity.toml", "2"),
    ] {
        let out = dir.path().join(Path::new(scn).file_stem().unwrap());
        amisim_ok(&[
            "run",
            scn,
            "-n",
            n,
            "-q",
            "--report",
            "--out",
            out.to_str().unwrap(),
        ]);
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        let probe = out.join("probe.html");
        std::fs::write(&probe, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
        let dom = chromium(&bin, &probe, &["--dump-dom"]);
        let found = dom
            .split("<pre id=\"probe\">PROBE")
            .nth(1)
            .and_then(|s| s.split("END").next())
            .unwrap_or_else(|| panic!("{scn}: the probe did not run"));
        let v: serde_json::Value = serde_json::from_str(found).unwrap();
        let svgs = v["svgs"].as_u64().unwrap();
        let problems = v["problems"].as_array().unwrap();
        println!(
            "browser: {scn}: {svgs} SVG charts, {} problems",
            problems.len()
        );
        assert!(svgs >= 4, "{scn}: {svgs} SVGs");
        assert!(problems.is_empty(), "{scn}: {problems:#?}");

        let shot = out.join("screenshot.png");
        chromium(
            &bin,
            &out.join("report.html"),
            &[&format!("--screenshot={}", shot.display())],
        );
        let (inked, colours) = ink(&shot);
        println!(
            "browser: {scn}: screenshot {:.1} % inked, {colours} colours",
            inked * 100.0
        );
        assert!(
            inked > 0.02 && colours > 20,
            "{scn}: the screenshot is blank"
        );

        for e in std::fs::read_dir(out.join("charts")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "png") {
                let (inked, colours) = ink(&p);
                assert!(
                    inked > 0.01 && colours > 3,
                    "{}: no content ({:.2} % inked, {colours} colours)",
                    p.display(),
                    inked * 100.0
                );
            }
        }
    }
}
