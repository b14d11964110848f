//! Medians and the printed comparison table.

use std::time::Duration;

/// One line of the table: an operation, the orm variant, and the two medians.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// What was done, e.g. `insert 10000 rows`.
    pub(crate) operation: String,
    /// Which orm API the orm column used.
    pub(crate) variant: String,
    /// Median of the raw-driver runs.
    pub(crate) raw: Duration,
    /// Median of the orm runs.
    pub(crate) orm: Duration,
}

impl Line {
    /// orm time / raw time.
    pub(crate) fn ratio(&self) -> f64 {
        let raw = self.raw.as_secs_f64();
        if raw > 0.0 {
            self.orm.as_secs_f64() / raw
        } else {
            f64::NAN
        }
    }
}

/// The median of some samples (mean of the middle two for an even count).
pub(crate) fn median(samples: &[Duration]) -> Duration {
    let mut v = samples.to_vec();
    v.sort_unstable();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

/// A duration with a readable unit.
pub(crate) fn format_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Print one backend's table.
pub(crate) fn print_table(backend: &str, lines: &[Line]) {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.operation.clone(),
                l.variant.clone(),
                format_duration(l.raw),
                format_duration(l.orm),
                format!("{:.2}x", l.ratio()),
            ]
        })
        .collect();
    print_grid(backend, &["operation", "orm variant", "raw (median)", "orm (median)", "orm/raw"], &rows, 2);
}

/// The width (in characters) of each column: its widest cell or header.
fn column_widths(headers: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

/// `cells` padded to `widths`, the first `text_columns` left-aligned and the others
/// right-aligned.
fn pad_cells(cells: &[String], widths: &[usize], text_columns: usize) -> Vec<String> {
    cells
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(i, (cell, w))| {
            let pad = " ".repeat(w - cell.chars().count());
            if i < text_columns {
                format!("{cell}{pad}")
            } else {
                format!("{pad}{cell}")
            }
        })
        .collect()
}

/// Print a titled markdown table: the first `text_columns` columns left-aligned, the
/// others right-aligned. Every row has one cell per header.
pub(crate) fn print_grid(title: &str, headers: &[&str], rows: &[Vec<String>], text_columns: usize) {
    let widths = column_widths(headers, rows);
    let render = |cells: &[String]| format!("| {} |", pad_cells(cells, &widths, text_columns).join(" | "));
    println!();
    println!("## {title}");
    println!();
    println!("{}", render(&headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()));
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| if i < text_columns { "-".repeat(w + 2) } else { format!("{}:", "-".repeat(w + 1)) })
        .collect();
    println!("|{}|", rule.join("|"));
    for row in rows {
        println!("{}", render(row));
    }
}

/// Print a titled table as plain aligned text (columns two spaces apart, a rule of dashes
/// under the headers), aligned as [`print_grid`] aligns them.
pub(crate) fn print_text_grid(title: &str, headers: &[&str], rows: &[Vec<String>], text_columns: usize) {
    let widths = column_widths(headers, rows);
    let render = |cells: &[String]| pad_cells(cells, &widths, text_columns).join("  ").trim_end().to_owned();
    println!();
    println!("{title}");
    println!();
    println!("{}", render(&headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()));
    println!("{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
    for row in rows {
        println!("{}", render(row));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(median(&[ms(4), ms(1), ms(2), ms(3)]), Duration::from_micros(2500));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn cells_are_padded_to_their_column() {
        let rows = vec![vec!["trivial".to_owned(), "1".to_owned(), "1.50".to_owned()]];
        let widths = column_widths(&["case", "size", "ratio"], &rows);
        assert_eq!(widths, [7, 4, 5]);
        assert_eq!(pad_cells(&rows[0], &widths, 2), ["trivial", "1   ", " 1.50"]);
        // Characters, not bytes: "µ" is one column.
        assert_eq!(column_widths(&["µs"], &[]), [2]);
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(format_duration(Duration::from_micros(12)), "12.0 µs");
        assert_eq!(format_duration(Duration::from_micros(12_340)), "12.34 ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.500 s");
    }
}
