//! Charts, as PNG and SVG, drawn with plotters and an embedded DejaVu Sans
//! (pure-Rust text: no system font library).

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::ReportError;

pub(crate) use bars::{GanttBar, gantt, stacked_bars};
pub(crate) use png::{ChartFile, Encoder, encode_all};

use plotters::coord::types::RangedCoordf64;

/// Width and height of every chart, pixels.
pub(crate) const SIZE: (u32, u32) = (960, 540);

/// Title text height, margin around the plot and x-label area, in pixels.
const CAPTION_PX: u32 = 24;
// Text sizes are even: plotters' ab_glyph renderer places each glyph at
// size / 2 rounded toward zero, so at an odd size points and commas sit a
// pixel above the digits' baseline (a decimal point reads as a middle dot).
/// Tick labels and values written on a chart.
pub(super) const TEXT_PX: u32 = 14;
/// The line chart's tick labels and every legend.
pub(super) const LEGEND_PX: u32 = 16;
/// Axis descriptions.
pub(super) const AXIS_PX: u32 = 18;
const MARGIN_PX: u32 = 16;
const X_LABELS_PX: u32 = 48;
/// Width of the y-label area of line charts.
const Y_LABELS_PX: u32 = 72;

/// The plot area's size in pixels with `left` pixels of y labels (the
/// caption's own spacing included, approximately).
fn plot_px(left: u32) -> (f64, f64) {
    (
        SIZE.0.saturating_sub(left + 2 * MARGIN_PX).max(1) as f64,
        SIZE.1
            .saturating_sub(CAPTION_PX + X_LABELS_PX + 2 * MARGIN_PX + 10)
            .max(1) as f64,
    )
}

/// The frame every chart shares: title, margins and label areas (`left`
/// pixels for the y labels).
fn frame<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    left: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.caption(title, ("sans-serif", CAPTION_PX))
        .margin(MARGIN_PX)
        .x_label_area_size(X_LABELS_PX)
        .y_label_area_size(left);
    b
}

/// The label of a row of a segmented axis: its name at the row's centre.
fn row_label(names: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

const PALETTE: [RGBColor; 21] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 128),
    RGBColor(128, 0, 0),
    RGBColor(0, 128, 128),
    RGBColor(255, 215, 0),
    RGBColor(75, 0, 130),
    RGBColor(0, 100, 0),
    RGBColor(255, 152, 150),
    RGBColor(152, 223, 138),
    RGBColor(174, 199, 232),
    RGBColor(196, 156, 148),
    RGBColor(219, 219, 141),
];

/// The colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

fn err<E: std::fmt::Display>(chart: &str) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Chart {
        chart: chart.to_string(),
        reason: e.to_string(),
    }
}

/// Draws `draw` twice, side by side on the pool: into `<stem>.png` and
/// `<stem>.svg` of `$to` (a [`ChartFile`]); the PNG's pixels then go to the
/// report's encoder thread, which encodes and writes them while the next
/// chart is drawn (the raster and its PNG encoding are most of a report's
/// fixed cost; the same bytes either way).
macro_rules! both {
    ($to:expr, $draw:expr) => {{
        register_font();
        let to: &$crate::report::charts::ChartFile = $to;
        let name = to.name();
        let svg = to.stem.with_extension("svg");
        let (a, b) = rayon::join(
            || -> Result<Vec<u8>, ReportError> {
                let mut rgb = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
                {
                    let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                    $draw(&root)?;
                    root.present().map_err(err(&name))?;
                }
                Ok(rgb)
            },
            || -> Result<(), ReportError> {
                let mut text = String::new();
                {
                    let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
                    $draw(&root)?;
                    root.present().map_err(err(&name))?;
                }
                crate::report::write::atomic_write(&svg, text.as_bytes())
            },
        );
        let rgb = a?;
        b?;
        to.send_png(rgb)
    }};
}

/// A named series of points.
pub(crate) struct Series {
    /// Legend.
    pub name: String,
    /// Points.
    pub points: Vec<(f64, f64)>,
}

/// A labelled point: its label, x, y and colour index.
pub(crate) type Marker = (String, f64, f64, usize);

/// A shaded band around series `series` (its colour): `(x, low, high)`.
pub(crate) struct Band {
    /// The series whose colour it takes.
    pub series: usize,
    /// Its points, by x.
    pub points: Vec<(f64, f64, f64)>,
}

/// A line chart: lines (step-free), shaded bands, labelled markers and
/// horizontal lines (each with its legend label, drawn in red).
#[derive(Default)]
pub(crate) struct LineChart<'a> {
    /// Title.
    pub title: &'a str,
    /// Axis descriptions.
    pub x_label: &'a str,
    /// Axis descriptions.
    pub y_label: &'a str,
    /// The lines.
    pub series: &'a [Series],
    /// Shaded bands (e.g. confidence intervals).
    pub bands: &'a [Band],
    /// Labelled points.
    pub markers: &'a [Marker],
    /// Horizontal lines, e.g. SLOs.
    pub hlines: &'a [(f64, &'a str)],
}

/// Dashed red and orange, for the first and second horizontal line.
const RULES: [RGBColor; 2] = [RGBColor(214, 39, 40), RGBColor(255, 127, 14)];

impl LineChart<'_> {
    /// The x and y ranges, and where the legend goes.
    fn layout(&self) -> ((f64, f64), f64, Legend) {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0));
        let ys = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(self.bands.iter().flat_map(|b| b.points.iter().map(|p| p.2)))
            .chain(self.hlines.iter().map(|h| h.0));
        let (x0, x1) = data_range(xs);
        let (_, y1) = bounds(ys);
        // What the legend must not cover: the lines, the markers with their
        // labels (~100 px to the right) and the horizontal lines.
        let dx = (x1 - x0) * 100.0 / plot_px(Y_LABELS_PX).0;
        // Room on the right for the rightmost marker's label, never clipped.
        let x1 = self
            .markers
            .iter()
            .map(|m| m.1 + dx * 1.1)
            .fold(x1, f64::max);
        let marks: Vec<[(f64, f64); 2]> = self
            .markers
            .iter()
            .map(|(_, x, y, _)| [(*x, *y), (x + dx, *y)])
            .collect();
        let rules: Vec<[(f64, f64); 2]> = self
            .hlines
            .iter()
            .map(|(y, _)| [(x0, *y), (x1, *y)])
            .collect();
        let highs: Vec<Vec<(f64, f64)>> = self
            .bands
            .iter()
            .map(|b| b.points.iter().map(|p| (p.0, p.2)).collect())
            .collect();
        let covered: Vec<&[(f64, f64)]> = self
            .series
            .iter()
            .map(|s| s.points.as_slice())
            .chain(marks.iter().map(|m| m.as_slice()))
            .chain(rules.iter().map(|r| r.as_slice()))
            .chain(highs.iter().map(|h| h.as_slice()))
            .collect();
        let mut labels: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        labels.extend(self.hlines.iter().map(|h| h.1));
        let y_top = y1 * 1.05;
        (
            (x0, x1),
            y_top,
            legend_place(&covered, &labels, (x0, x1), y_top),
        )
    }

    /// Each legend entry's label and colour: the lines, then the rules.
    fn entries(&self) -> Vec<(String, RGBColor)> {
        let lines = self.series.iter().enumerate();
        let rules = self.hlines.iter().enumerate();
        lines
            .map(|(i, s)| (s.name.clone(), color(i)))
            .chain(rules.map(|(k, h)| (h.1.to_string(), RULES[k % RULES.len()])))
            .collect()
    }

    /// Draws it into `<stem>.png` and `<stem>.svg` of `to`.
    pub(crate) fn draw(&self, to: &ChartFile) -> Result<(), ReportError> {
        let name = self.title.to_string();
        let ((x0, x1), y_top, legend_at) = self.layout();
        both!(
            to,
            |root: &DrawingArea<_, Shift>| -> Result<(), ReportError> {
                root.fill(&WHITE).map_err(err(&name))?;
                let (plot, strip) = root.split_vertically(SIZE.1 - legend_at.strip_px());
                let mut chart = frame(&plot, self.title, Y_LABELS_PX)
                    .build_cartesian_2d(x0..x1, 0.0..y_top)
                    .map_err(err(&name))?;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label)
                    .y_desc(self.y_label)
                    .x_label_formatter(&|v| tick(*v))
                    .y_label_formatter(&|v| tick(*v))
                    .label_style(("sans-serif", LEGEND_PX))
                    .axis_desc_style(("sans-serif", AXIS_PX))
                    .draw()
                    .map_err(err(&name))?;
                self.draw_parts(&mut chart, (x0, x1), &name)?;
                match &legend_at {
                    Legend::Inside(at) => draw_legend(&mut chart, at.clone(), LEGEND_PX, &name)?,
                    Legend::Below { columns, .. } => {
                        legend::draw_below(&strip, &self.entries(), *columns, &name)?
                    }
                }
                Ok(())
            }
        )
    }

    /// Bands, lines, markers and rules, in that order (later on top).
    fn draw_parts<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        (x0, x1): (f64, f64),
        name: &str,
    ) -> Result<(), ReportError> {
        for b in self.bands {
            let mut outline: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.2)).collect();
            outline.extend(b.points.iter().rev().map(|p| (p.0, p.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    color(b.series).mix(0.18).filled(),
                )))
                .map_err(err(name))?;
        }
        for (i, s) in self.series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map_err(err(name))?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        for (label, x, y, i) in self.markers {
            let c = color(*i);
            chart
                .draw_series(std::iter::once(Circle::new((*x, *y), 5, c.filled())))
                .map_err(err(name))?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (*x, *y),
                    ("sans-serif", TEXT_PX).into_font(),
                )))
                .map_err(err(name))?;
        }
        for (k, (y, label)) in self.hlines.iter().enumerate() {
            let c = RULES[k % RULES.len()];
            chart
                .draw_series(LineSeries::new(vec![(x0, *y), (x1, *y)], c.stroke_width(2)))
                .map_err(err(name))?
                .label(label.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        Ok(())
    }
}

/// A tick label without needless decimals: `50`, `0.25`, `1.5`.
fn tick(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" => "0".into(),
        s => s.into(),
    }
}

/// The empirical CDF of sorted values as a step line: up at each value.
pub(crate) fn step_cdf(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = Vec::with_capacity(2 * sorted.len());
    for (k, x) in sorted.iter().enumerate() {
        points.push((*x, k as f64 / n));
        points.push((*x, (k + 1) as f64 / n));
    }
    points
}

/// The range of line charts' x values, padded by 3 % on each side (not
/// below 0 for data that is not): a distribution sits across the chart,
/// not in its last few percent.
fn data_range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(v) else {
        return (0.0, 1.0);
    };
    let pad = if hi > lo {
        (hi - lo) * 0.03
    } else {
        lo.abs().max(1.0) * 0.05
    };
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - pad).max(floor), hi + pad)
}

/// The smallest and largest value; `None` for none.
fn extent(v: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in v {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    lo.is_finite().then_some((lo, hi))
}

/// A bar axis's range: from 0 (or below, for negative data) to the largest value.
fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = extent(v) else {
        return (0.0, 1.0);
    };
    (lo.min(0.0), if hi <= lo { lo + 1.0 } else { hi })
}

/// The last index of an axis of `n` rows (categories or lanes): plotters'
/// integer ranges include their end, so `0..n` would add an empty row at the
/// top. A single row keeps `0..1` (plotters cannot map a one-value range).
fn last_row(n: usize) -> usize {
    if n >= 2 { n - 1 } else { 1 }
}

/// Where row `r` of an axis of `n` rows ends.
fn row_end(r: usize, n: usize) -> SegmentValue<usize> {
    if n >= 2 && r + 1 == n {
        SegmentValue::Last
    } else {
        SegmentValue::Exact(r + 1)
    }
}

// After `both!`: macros are visible in the modules declared below them.
mod bars;
mod legend;
mod png;

use legend::{Legend, draw_legend, legend_place, legend_room};
