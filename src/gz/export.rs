//! The current selection as a file: CSV of id, position, split, row and the chosen vote
//! fractions and counts, or a list of Legacy Surveys viewer links.

/// One galaxy of the selection.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRow<'a> {
    pub id: Option<&'a str>,
    pub ra: f32,
    pub dec: f32,
    pub split: Option<&'a str>,
    pub row: Option<u64>,
    /// Per chosen answer: (fraction, votes for its question); `None`: not asked.
    pub votes: Vec<Option<(f32, u32)>>,
}

/// Leading characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell from data, made safe to open in a spreadsheet: one that would start a
/// formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading `'`, the usual
/// neutralisation, so `=HYPERLINK(…)` in an id is shown, never run. Numbers the export
/// writes itself do not go through here: they stay numbers.
pub fn text_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_START) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A CSV field of text from data: neutralised ([`text_cell`]), then quoted when it holds
/// a comma, quote or line break.
pub fn field(s: &str) -> std::borrow::Cow<'_, str> {
    let s = text_cell(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s
    }
}

/// CSV with a header; `answers` names the chosen answers (`{question}-{campaign}_{answer}`),
/// each giving a `…_fraction` and a `…_votes` column (empty where the question was not
/// asked: never 0).
pub fn csv<'a>(answers: &[String], rows: impl IntoIterator<Item = ExportRow<'a>>) -> String {
    let mut out = String::from("id_str,ra,dec,split,row");
    for a in answers {
        out.push_str(&format!(
            ",{},{}",
            field(&format!("{a}_fraction")),
            field(&format!("{a}_votes"))
        ));
    }
    out.push('\n');
    for r in rows {
        let num = |v: f32| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        };
        out.push_str(&format!(
            "{},{},{},{},{}",
            field(r.id.unwrap_or("")),
            num(r.ra),
            num(r.dec),
            field(r.split.unwrap_or("")),
            r.row.map(|x| x.to_string()).unwrap_or_default()
        ));
        for k in 0..answers.len() {
            match r.votes.get(k).copied().flatten() {
                Some((f, n)) => out.push_str(&format!(",{f:.4},{n}")),
                None => out.push_str(",,"),
            }
        }
        out.push('\n');
    }
    out
}

/// One Legacy Surveys viewer link per galaxy with a position, after its id.
pub fn links<'a>(rows: impl IntoIterator<Item = ExportRow<'a>>) -> String {
    let mut out = String::new();
    for r in rows {
        if r.ra.is_finite() && r.dec.is_finite() {
            // a tab or line break in an id would break the line apart
            let id: String =
                r.id.unwrap_or("")
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
            out.push_str(&format!(
                "{}\t{}\n",
                text_cell(&id),
                crate::sky::legacy_viewer_url(r.ra as f64, r.dec as f64)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must_and_leaves_not_asked_empty() {
        let rows = vec![
            ExportRow {
                id: Some("1_2"),
                ra: 10.5,
                dec: -2.25,
                split: Some("train"),
                row: Some(7),
                votes: vec![Some((0.75, 8)), None],
            },
            ExportRow {
                id: Some("a,\"b\""),
                ra: f32::NAN,
                dec: f32::NAN,
                split: None,
                row: None,
                votes: vec![],
            },
        ];
        let text = csv(
            &["bar-dr5_strong".into(), "merging-dr8_merger".into()],
            rows.clone(),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id_str,ra,dec,split,row,bar-dr5_strong_fraction,bar-dr5_strong_votes,merging-dr8_merger_fraction,merging-dr8_merger_votes"
        );
        assert_eq!(lines[1], "1_2,10.5,-2.25,train,7,0.7500,8,,");
        assert_eq!(lines[2], "\"a,\"\"b\"\"\",,,,,,,,");
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1].split(',').nth(2),
            Some("-2.25"),
            "numbers stay numbers"
        );
        let l = links(rows);
        assert_eq!(l.lines().count(), 1, "no link without a position");
        assert!(
            l.starts_with("1_2\thttps://www.legacysurvey.org/viewer?ra=10.500000&dec=-2.250000")
        );
    }

    #[test]
    fn cells_that_would_start_a_formula_are_neutralised() {
        for (id, cell) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+1+2", "'+1+2"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("1_2", "1_2"),
            ("a=b", "a=b"),
        ] {
            let row = ExportRow {
                id: Some(id),
                ra: -1.5,
                dec: -0.25,
                split: Some("=cmd|' /C calc'!A0"),
                row: Some(3),
                votes: vec![Some((0.5, 2))],
            };
            let text = csv(&["bar-dr5_strong".into()], [row.clone()]);
            let line = text.lines().nth(1).unwrap_or_default().to_string();
            let line = if id.starts_with('\r') {
                text.split('\n').nth(1).unwrap_or_default().to_string()
            } else {
                line
            };
            assert!(line.starts_with(&format!("{cell},")), "{id:?}: {line:?}");
            assert!(
                line.ends_with(",-1.5,-0.25,'=cmd|' /C calc'!A0,3,0.5000,2"),
                "numbers stay numbers, text is neutralised: {line:?}"
            );
            let l = links([row]);
            assert!(!l.starts_with(['=', '+', '-', '@']), "{l:?}");
            assert_eq!(l.lines().count(), 1, "{l:?}");
        }
    }
}
