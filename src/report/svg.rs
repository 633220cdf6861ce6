//! A small SVG writer for gutenpipe's pictures (the timeline and the sweep
//! plot): rectangles, lines, text and polylines with escaped text and short
//! numbers, plus the pieces both pictures share (stage colours, tick steps,
//! a line chart). Hand-written rather than a plotting crate: a few hundred
//! lines build in no time and the output stays small and readable.

use std::fmt::Write as _;

/// The colour of a step in the pictures: its own (the table of steps and
/// the stages declare them), else one of a few chosen by its name, never the
/// grey of a failed task.
pub fn stage_colour(stage: &str, own: Option<&'static str>) -> &'static str {
    if let Some(colour) = own {
        return colour;
    }
    const REST: [&str; 4] = ["#8cd17d", "#d37295", "#499894", "#f1ce63"];
    let h = stage
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
    REST[h % REST.len()]
}

/// Escapes text for use in SVG text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate, with at most two decimals and no trailing zeros.
pub fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A "nice" step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`.
pub fn tick_step(span: f64, target: usize) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// A tick label: seconds or another quantity, without needless decimals.
pub fn tick_label(x: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{x:.decimals$}")
}

/// An SVG document being written.
pub struct Svg {
    body: String,
    width: f64,
    height: f64,
}

impl Svg {
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            body: String::new(),
            width,
            height,
        }
    }

    /// A rectangle; `title` becomes its tooltip.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, title: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}""#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
        match title {
            Some(t) => {
                let _ = writeln!(self.body, "><title>{}</title></rect>", escape(t));
            }
            None => self.body.push_str("/>\n"),
        }
    }

    /// A straight line; `dash` like `"4 3"`.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str, dash: Option<&str>) {
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{dash}/>"#,
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1)
        );
    }

    /// Text; `anchor` is `start`, `middle` or `end`; `extra` more attributes.
    pub fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, text: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}"{}{extra}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            if extra.is_empty() { "" } else { " " },
            escape(text)
        );
    }

    /// A polyline through `points`, with a dot at each unless dashed.
    pub fn series(&mut self, points: &[(f64, f64)], stroke: &str, dashed: bool) {
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
            .collect();
        let dash = if dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="2"{dash}/>"#,
            path.join(" ")
        );
        if !dashed {
            for (x, y) in points {
                let _ = writeln!(
                    self.body,
                    r#"<circle cx="{}" cy="{}" r="3" fill="{stroke}"/>"#,
                    num(*x),
                    num(*y)
                );
            }
        }
    }

    /// The finished document.
    pub fn finish(self) -> String {
        format!(
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" "#,
                r#"font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"#,
                "\n",
                r#"<rect width="100%" height="100%" fill="white"/>"#,
                "\n{body}</svg>\n"
            ),
            w = num(self.width),
            h = num(self.height),
            body = self.body
        )
    }
}

/// One line of a [`Chart`].
pub struct Series {
    pub label: String,
    pub colour: &'static str,
    /// Dashed, without dots: a model's prediction rather than a measurement.
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
}

/// A line chart in a box of the picture.
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Logarithmic (base 2) x axis, ticks at the x values of the points.
    pub log2_x: bool,
    pub series: Vec<Series>,
    /// A labelled vertical line (e.g. the number of cores).
    pub marker: Option<(f64, String)>,
}

impl Chart {
    /// Draws the chart with its top left corner at (`x`, `y`).
    pub fn draw(&self, svg: &mut Svg, x: f64, y: f64, width: f64, height: f64) {
        let (left, right, top, bottom) = (x + 52.0, x + width - 10.0, y + 28.0, y + height - 44.0);
        svg.text(
            x + width / 2.0,
            y + 14.0,
            "middle",
            13.0,
            &self.title,
            r#"font-weight="bold""#,
        );
        let xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        let y_max = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(0.0f64, f64::max)
            * 1.08;
        let y_max = if y_max > 0.0 { y_max } else { 1.0 };
        let tx = |v: f64| if self.log2_x { v.max(1e-9).log2() } else { v };
        let (x_lo, x_hi) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(tx(*v)), b.max(tx(*v)))
            });
        let (x_lo, x_hi) = if x_lo.is_finite() && x_hi > x_lo {
            (x_lo, x_hi)
        } else if x_lo.is_finite() {
            (x_lo - 1.0, x_lo + 1.0)
        } else {
            (0.0, 1.0)
        };
        let px = |v: f64| left + (tx(v) - x_lo) / (x_hi - x_lo) * (right - left);
        let py = |v: f64| bottom - v / y_max * (bottom - top);

        // Grid and y ticks.
        let step = tick_step(y_max, 5);
        let mut v = 0.0;
        while v <= y_max + 1e-9 {
            svg.line((left, py(v)), (right, py(v)), "#e5e5e5", None);
            svg.text(
                left - 5.0,
                py(v) + 4.0,
                "end",
                10.0,
                &tick_label(v, step),
                "",
            );
            v += step;
        }
        // X ticks: each measured x, or nice steps on a linear axis.
        let mut ticks: Vec<f64> = xs.clone();
        ticks.sort_by(f64::total_cmp);
        ticks.dedup();
        for t in &ticks {
            svg.line((px(*t), bottom), (px(*t), bottom + 4.0), "#333", None);
            svg.text(
                px(*t),
                bottom + 16.0,
                "middle",
                10.0,
                &tick_label(*t, 1.0),
                "",
            );
        }
        svg.line((left, top), (left, bottom), "#333", None);
        svg.line((left, bottom), (right, bottom), "#333", None);
        svg.text(
            (left + right) / 2.0,
            bottom + 32.0,
            "middle",
            11.0,
            &self.x_label,
            "",
        );
        svg.text(
            x + 12.0,
            (top + bottom) / 2.0,
            "middle",
            11.0,
            &self.y_label,
            &format!(
                r#"transform="rotate(-90 {} {})""#,
                num(x + 12.0),
                num((top + bottom) / 2.0)
            ),
        );
        if let Some((at, label)) = &self.marker {
            svg.line((px(*at), top), (px(*at), bottom), "#888", Some("2 3"));
            svg.text(
                px(*at) + 4.0,
                bottom - 6.0,
                "start",
                10.0,
                label,
                r##"fill="#555""##,
            );
        }
        for s in &self.series {
            let points: Vec<(f64, f64)> = s.points.iter().map(|(a, b)| (px(*a), py(*b))).collect();
            svg.series(&points, s.colour, s.dashed);
        }
        // Legend inside the plot, top right, or top left when the first
        // line rises (it would run through the legend on the right).
        let rising = self.series.first().is_some_and(
            |s| matches!((s.points.first(), s.points.last()), (Some(a), Some(b)) if b.1 > a.1),
        );
        let longest = self
            .series
            .iter()
            .map(|s| s.label.chars().count())
            .max()
            .unwrap_or(0);
        let legend_width = 30.0 + 5.6 * longest as f64;
        for (i, s) in self.series.iter().enumerate() {
            let ly = top + 8.0 + 14.0 * i as f64;
            let lx = if rising {
                left + 10.0
            } else {
                right - legend_width
            };
            svg.line(
                (lx, ly),
                (lx + 20.0, ly),
                s.colour,
                if s.dashed { Some("6 4") } else { None },
            );
            svg.text(lx + 25.0, ly + 4.0, "start", 10.0, &s.label, "");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_are_written_short_and_safe() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(1.239), "1.24");
        assert_eq!(num(-0.001), "0");
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(tick_step(10.0, 5), 2.0);
        assert_eq!(tick_step(0.7, 5), 0.2);
        assert_eq!(tick_label(0.4, 0.2), "0.4");
        assert_eq!(tick_label(20.0, 5.0), "20");
    }

    #[test]
    fn a_document_is_one_svg_element() {
        let mut svg = Svg::new(100.0, 50.0);
        svg.rect(1.0, 2.0, 3.0, 4.0, "#fff", Some("a < b"));
        svg.text(5.0, 6.0, "start", 10.0, "x & y", "");
        let doc = svg.finish();
        assert!(doc.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(doc.trim_end().ends_with("</svg>"));
        assert!(doc.contains("<title>a &lt; b</title>"));
        assert!(doc.contains(">x &amp; y</text>"));
    }
}
