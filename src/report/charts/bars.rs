//! Bar charts (stacked, horizontal) and the execution's Gantt chart.

use plotters::prelude::*;

use super::*;
use crate::report::ReportError;

/// Horizontal stacked bars: one row per category, one stack per series.
/// With `money`, the values are US dollars: the axis says so (`$2,000`) and
/// each bar's total is written after it, so a sliver beside a dominant bar
/// still reads.
pub(crate) fn stacked_bars(
    to: &super::ChartFile,
    title: &str,
    x_label: &str,
    rows: &[String],
    stacks: &[Series],
    colors: &[usize],
    money: bool,
) -> Result<(), ReportError> {
    let name = title.to_string();
    let total = row_totals(rows.len(), stacks);
    let n = rows.len().max(1);
    let left = rows.iter().map(|r| r.len()).max().unwrap_or(8).clamp(8, 40) as u32 * 8 + 10;
    let labels: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
    let (legend_at, xmax) = legend_room(&total, &labels, left);
    // Room for the totals written after the bars.
    let xmax = if money { xmax * 1.14 } else { xmax };
    both!(
        to,
        |root: &DrawingArea<_, Shift>| -> Result<(), ReportError> {
            root.fill(&WHITE).map_err(err(&name))?;
            let mut chart = frame(root, title, left)
                .build_cartesian_2d(0.0..xmax, (0..last_row(n)).into_segmented())
                .map_err(err(&name))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc(x_label)
                .x_label_formatter(&|v| axis_value(*v, money))
                .y_labels(n)
                .y_label_formatter(&|v| row_label(rows, v))
                .label_style(("sans-serif", TEXT_PX))
                .axis_desc_style(("sans-serif", AXIS_PX))
                .draw()
                .map_err(err(&name))?;
            let mut base = vec![0.0; n];
            for (i, s) in stacks.iter().enumerate() {
                // A stack's own colour when given (fixed per category), else its place.
                let c = color(colors.get(i).copied().unwrap_or(i));
                let bars: Vec<_> = (0..rows.len())
                    .map(|r| {
                        let v = s.points.get(r).map_or(0.0, |p| p.1);
                        let b = base[r];
                        base[r] += v;
                        let mut bar = Rectangle::new(
                            [(b, SegmentValue::Exact(r)), (b + v, row_end(r, n))],
                            c.mix(0.85).filled(),
                        );
                        bar.set_margin(4, 4, 0, 0);
                        bar
                    })
                    .collect();
                chart
                    .draw_series(bars)
                    .map_err(err(&name))?
                    .label(s.name.clone())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled())
                    });
            }
            if money {
                // Anchored at the text's top-left: plotters draws the
                // digits from 3 px above that point to 7 px below it (at
                // TEXT_PX), so 2 px up centres them on the row.
                chart
                    .draw_series(total.iter().enumerate().map(|(r, t)| {
                        EmptyElement::at((*t, SegmentValue::CenterOf(r)))
                            + Text::new(
                                crate::report::text::dollars(*t),
                                (4, -2),
                                ("sans-serif", TEXT_PX).into_font(),
                            )
                    }))
                    .map_err(err(&name))?;
            }
            draw_legend(&mut chart, legend_at.clone(), LEGEND_PX, &name)?;
            Ok(())
        }
    )
}

/// One bar of a Gantt chart.
pub(crate) struct GanttBar {
    /// Lane index.
    pub lane: usize,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Queued (light) or active (dark).
    pub queued: bool,
    /// Series index for the colour.
    pub color: usize,
}

/// An axis tick: dollars without cents when whole (`$2,000`), else plain.
fn axis_value(v: f64, money: bool) -> String {
    match money {
        true if v.fract().abs() < 1e-9 => {
            let d = crate::report::text::dollars(v);
            d.strip_suffix(".00").map_or(d.clone(), str::to_string)
        }
        true => crate::report::text::dollars(v),
        false => {
            let s = format!("{v:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

/// Each row's total over the stacks.
fn row_totals(rows: usize, stacks: &[Series]) -> Vec<f64> {
    (0..rows)
        .map(|r| {
            stacks
                .iter()
                .map(|s| s.points.get(r).map_or(0.0, |p| p.1))
                .sum()
        })
        .collect()
}

/// A Gantt chart: a lane per label, bars of queued and active time.
pub(crate) fn gantt(
    to: &super::ChartFile,
    title: &str,
    lanes: &[String],
    bars: &[GanttBar],
    legend: &[(String, usize)],
) -> Result<(), ReportError> {
    let name = title.to_string();
    // Minutes on the axis, so that its ticks fall on round minutes.
    let (t0, t1) = bounds(bars.iter().flat_map(|b| [b.start / 60.0, b.end / 60.0]));
    let n = lanes.len().max(1);
    let left = lanes
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 48) as u32
        * 8
        + 12;
    both!(
        to,
        |root: &DrawingArea<_, Shift>| -> Result<(), ReportError> {
            root.fill(&WHITE).map_err(err(&name))?;
            let mut chart = frame(root, title, left)
                .build_cartesian_2d(t0..t1 * 1.02, (0..last_row(n)).into_segmented())
                .map_err(err(&name))?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc("minutes since the trigger")
                .x_label_formatter(&|v| {
                    if v.fract().abs() < 1e-9 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    }
                })
                .y_labels(n)
                .y_label_formatter(&|v| row_label(lanes, v))
                .label_style(("sans-serif", TEXT_PX))
                .axis_desc_style(("sans-serif", AXIS_PX))
                .draw()
                .map_err(err(&name))?;
            chart
                .draw_series(bars.iter().map(|b| {
                    let c = color(b.color);
                    let style = if b.queued {
                        c.mix(0.25).filled()
                    } else {
                        c.filled()
                    };
                    let mut bar = Rectangle::new(
                        [
                            (b.start / 60.0, SegmentValue::Exact(b.lane)),
                            ((b.end.max(b.start + 1.0)) / 60.0, row_end(b.lane, n)),
                        ],
                        style,
                    );
                    bar.set_margin(5, 5, 0, 0);
                    bar
                }))
                .map_err(err(&name))?;
            for (l, i) in legend {
                let c = color(*i);
                chart
                    .draw_series(std::iter::empty::<Rectangle<(f64, SegmentValue<usize>)>>())
                    .map_err(err(&name))?
                    .label(l.clone())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled())
                    });
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, TEXT_PX, &name)?;
            Ok(())
        }
    )
}
