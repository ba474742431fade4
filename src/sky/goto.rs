//! "Go to": what a visitor types to find a place or a galaxy — RA/Dec in degrees or
//! sexagesimal, a Legacy Surveys viewer link, an id or a row number — and how far a
//! galaxy is from a position, said as an astronomer would (″, ′, °). Pure.

/// What a go-to entry names.
#[derive(Clone, Debug, PartialEq)]
pub enum Goto {
    /// A position, degrees (RA in 0..360, Dec in -90..=90).
    Position { ra: f64, dec: f64 },
    /// A global row number.
    Row(u64),
    /// An id (`id_str`, or whatever the table's id column holds).
    Id(String),
}

/// What was expected, said with every refusal.
pub const EXPECTED: &str = "expected RA and Dec (150.1 2.2, 10:00:24 +02:12:00 or 10h00m24s +2d12m0s), \
     a Legacy Surveys viewer link, an id or a row number";

/// Read a go-to entry.
pub fn parse(text: &str) -> Result<Goto, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("nothing to go to: {EXPECTED}"));
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return from_link(t);
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t
            .parse()
            .map(Goto::Row)
            .map_err(|_| format!("row {t} is too large"));
    }
    // a typographic minus (as this viewer writes Dec) is a minus
    let t = &t.replace('−', "-");
    let tokens: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .collect();
    match tokens.len() {
        1 => {
            let only = tokens[0];
            if only.parse::<f64>().is_ok()
                || (looks_sexagesimal(only) && sexagesimal(only, "").is_ok())
            {
                return Err(format!("{only:?} is one number: {EXPECTED}"));
            }
            Ok(Goto::Id(only.to_string()))
        }
        2 => position(tokens[0], tokens[1]),
        // `10 00 24 +02 12 00`, `17h 05m 59.30s +27° 33′ 27.9″`, `10h 00m +2d 12m`
        4 | 6 => {
            let half = tokens.len() / 2;
            position(&tokens[..half].join(":"), &tokens[half..].join(":"))
        }
        _ => Err(format!("{t:?}: {EXPECTED}")),
    }
}

/// Whether a token is written in hours/degrees, minutes and seconds.
fn looks_sexagesimal(s: &str) -> bool {
    s.contains(':') || s.chars().any(|c| "hdms°′″'\"".contains(c))
}

/// RA and Dec from their two tokens.
fn position(ra: &str, dec: &str) -> Result<Goto, String> {
    let ra_deg = if looks_sexagesimal(ra) {
        // colons or h/m/s: hours; d/° : degrees
        let degrees = ra.contains('d') || ra.contains('°');
        let v = sexagesimal(ra, "RA")?;
        if v.0 {
            return Err(format!("RA {ra:?} cannot be negative"));
        }
        if degrees { v.1 } else { v.1 * 15.0 }
    } else {
        ra.parse::<f64>()
            .map_err(|_| format!("RA {ra:?} is not a number: {EXPECTED}"))?
    };
    let dec_deg = if looks_sexagesimal(dec) {
        let (negative, v) = sexagesimal(dec, "Dec")?;
        if negative { -v } else { v }
    } else {
        dec.parse::<f64>()
            .map_err(|_| format!("Dec {dec:?} is not a number: {EXPECTED}"))?
    };
    check(ra_deg, dec_deg)
}

/// A position within the sky's ranges (RA 360 is RA 0).
fn check(ra: f64, dec: f64) -> Result<Goto, String> {
    if !ra.is_finite() || !(0.0..=360.0).contains(&ra) {
        return Err(format!("RA {ra}° is outside 0° to 360° (0h to 24h)"));
    }
    if !dec.is_finite() || !(-90.0..=90.0).contains(&dec) {
        return Err(format!("Dec {dec}° is outside -90° to +90°"));
    }
    Ok(Goto::Position {
        ra: if ra == 360.0 { 0.0 } else { ra },
        dec,
    })
}

/// `[+-]a[:m[:s]]` or `a h|d|° [m|′|'] [s|″|"]`: (negative, a + m/60 + s/3600). Only
/// the last part may have a fraction; minutes and seconds are below 60.
fn sexagesimal(s: &str, what: &str) -> Result<(bool, f64), String> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let parts: Vec<&str> = body
        .split(|c: char| ":hdms°′″'\"".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(format!(
            "{what} {s:?} is not in degrees or h:m:s: {EXPECTED}"
        ));
    }
    let mut value = 0.0;
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let ok = p.chars().all(|c| c.is_ascii_digit() || (last && c == '.'));
        let v: f64 = p
            .parse()
            .ok()
            .filter(|_| ok)
            .ok_or_else(|| format!("{what} {s:?}: {p:?} is not a number here"))?;
        if i > 0 && v >= 60.0 {
            return Err(format!(
                "{what} {s:?}: {} {v} is 60 or more",
                if i == 1 { "minutes" } else { "seconds" }
            ));
        }
        value += v / 60f64.powi(i as i32);
    }
    Ok((negative, value))
}

/// A link with `ra=` and `dec=` in its query (the Legacy Surveys viewer's, and others').
fn from_link(url: &str) -> Result<Goto, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let query = query.split('#').next().unwrap_or("");
    let get = |name: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    match (get("ra"), get("dec")) {
        (Some(ra), Some(dec)) => {
            let ra: f64 = ra
                .parse()
                .map_err(|_| format!("the link's ra={ra} is not a number"))?;
            let dec: f64 = dec
                .parse()
                .map_err(|_| format!("the link's dec={dec} is not a number"))?;
            check(ra, dec)
        }
        _ => Err(format!(
            "the link has no ra= and dec= (a Legacy Surveys viewer link has both): {EXPECTED}"
        )),
    }
}

/// Angle between two positions, degrees (haversine: exact at small separations).
pub fn separation_deg(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (p1, p2) = (dec1.to_radians(), dec2.to_radians());
    let dp = p2 - p1;
    let dl = (ra2 - ra1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    (2.0 * h.sqrt().min(1.0).asin()).to_degrees()
}

/// An angle as written on a sky chart: `4.2″`, `12′`, `3.5°`.
pub fn describe_angle(deg: f64) -> String {
    let arcsec = deg * 3600.0;
    if arcsec < 60.0 {
        format!("{arcsec:.1}″")
    } else if arcsec < 600.0 {
        format!("{:.1}′", arcsec / 60.0)
    } else if deg < 1.0 {
        format!("{:.0}′", arcsec / 60.0)
    } else {
        format!("{deg:.1}°")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(t: &str) -> (f64, f64) {
        match parse(t) {
            Ok(Goto::Position { ra, dec }) => (ra, dec),
            other => panic!("{t}: {other:?}"),
        }
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn every_written_form_of_a_position_reads_the_same() {
        let want = (150.1, 2.2);
        for t in [
            "150.1 2.2",
            "150.1, 2.2",
            " 150.1,+2.2 ",
            "10:00:24 +02:12:00",
            "10:00:24, 2:12",
            "10h00m24s +2d12m0s",
            "10h00m24.0s +02d12m00s",
            "10h00m24s +2°12′0″",
            "10 00 24 +02 12 00",
            "10h 00m 24s +2° 12′ 0″",
            "10h 00.4m +2d 12m",
            "150d06m +2d12m",
            "https://www.legacysurvey.org/viewer?ra=150.1&dec=2.2&layer=ls-dr9&zoom=14",
            "https://www.legacysurvey.org/viewer/?layer=ls-dr10&RA=150.1&Dec=2.2#x",
        ] {
            assert!(close(pos(t), want), "{t}: {:?}", pos(t));
        }
        // as this viewer writes a position (copied from the map's hover)
        assert!(close(
            pos("17h 05m 59.30s −27° 33′ 27.9″"),
            (256.497_083_333_333_3, -27.557_75)
        ));
        // the sign of a Dec below one degree is kept
        assert!(close(pos("00:00:00 -00:30:00"), (0.0, -0.5)));
        assert!(close(pos("0 -0.5"), (0.0, -0.5)));
        // the poles and RA's ends
        assert!(close(pos("0 90"), (0.0, 90.0)));
        assert!(close(pos("359.999 -90"), (359.999, -90.0)));
        assert!(close(pos("360 10"), (0.0, 10.0)));
        assert!(close(pos("23:59:59.9 0"), (359.999_583_333_333_3, 0.0)));
    }

    #[test]
    fn rows_and_ids_are_told_apart_from_positions() {
        assert_eq!(parse("437"), Ok(Goto::Row(437)));
        assert_eq!(parse(" 0 "), Ok(Goto::Row(0)));
        assert_eq!(parse("303_5503"), Ok(Goto::Id("303_5503".into())));
        assert_eq!(
            parse("J100024+021200"),
            Ok(Goto::Id("J100024+021200".into()))
        );
        assert_eq!(parse("dr8_1234"), Ok(Goto::Id("dr8_1234".into())));
    }

    #[test]
    fn bad_input_is_named() {
        for (t, says) in [
            ("", "nothing"),
            ("400 10", "RA 400"),
            ("10 95", "Dec 95"),
            ("10 -90.5", "Dec -90.5"),
            ("25:00:00 10", "RA 375"),
            ("10:61:00 10", "minutes 61"),
            ("10:00:75 10", "seconds 75"),
            ("-10:00:00 10", "negative"),
            ("150.5", "one number"),
            ("10:00", "one number"),
            ("1 2 3", "expected"),
            ("ten two", "RA \"ten\""),
            ("https://www.legacysurvey.org/viewer?layer=ls-dr9", "no ra="),
            ("https://x.org/?ra=abc&dec=1", "ra=abc"),
            ("99999999999999999999999", "too large"),
            ("10.5:00 2", "not a number here"),
        ] {
            let e = parse(t).expect_err(t);
            assert!(e.contains(says), "{t}: {e}");
        }
    }

    #[test]
    fn separations_and_their_wording() {
        assert!((separation_deg(0.0, 0.0, 0.0, 1.0) - 1.0).abs() < 1e-12);
        // across RA 0/360
        assert!((separation_deg(359.9, 0.0, 0.1, 0.0) - 0.2).abs() < 1e-9);
        // at the pole every RA is one point
        assert!(separation_deg(10.0, 90.0, 250.0, 90.0) < 1e-9);
        assert!((separation_deg(0.0, 89.0, 180.0, 89.0) - 2.0).abs() < 1e-9);
        assert!((separation_deg(0.0, 0.0, 180.0, 0.0) - 180.0).abs() < 1e-9);
        assert_eq!(describe_angle(4.2 / 3600.0), "4.2″");
        assert_eq!(describe_angle(4.5 / 60.0), "4.5′");
        assert_eq!(describe_angle(12.0 / 60.0), "12′");
        assert_eq!(describe_angle(3.46), "3.5°");
    }
}
