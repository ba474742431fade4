//! Sky coordinates: sexagesimal notation and links to survey viewers at a position.
//! (Projections and the sky map come later; nothing here knows about the browser.)

pub mod colormap;
pub mod goto;
pub mod grid;
pub mod healpix;
pub mod overlays;
pub mod projection;
pub mod view_state;

pub mod points;
pub mod raster;

/// A 4-byte value whose every bit may be set: all ones is a NaN for `f32`, `u32::MAX` for `u32`.
pub(crate) trait AllOnes: Copy {}
impl AllOnes for f32 {}
impl AllOnes for u32 {}

/// `n` values with every bit set, written by one memory fill. `vec![f32::NAN; n]` writes
/// them one at a time: for a full dataset's 400,000 slots that was ~15 ms of the page's
/// thread in code the browser had only just compiled (its baseline tier), in one task.
pub(crate) fn all_ones<T: AllOnes>(n: usize) -> Vec<T> {
    let mut v = Vec::<T>::with_capacity(n);
    // SAFETY: the buffer holds `n` values of `T`; `T` is a 4-byte plain number type for
    // which every bit pattern is a valid value, so all its `n` values are initialised
    // once every byte is written
    unsafe {
        std::ptr::write_bytes(v.as_mut_ptr(), 0xFF, n);
        v.set_len(n);
    }
    v
}

/// Right ascension in hours, minutes, seconds: `17h 05m 59.30s`.
pub fn ra_hms(ra_deg: f64) -> String {
    let hours = ra_deg.rem_euclid(360.0) / 15.0;
    // round at the shown precision first, so 59.999 s never prints as 60.00 s
    let centis = (hours * 3600.0 * 100.0).round() as u64 % (24 * 3600 * 100);
    let (h, rest) = (centis / 360_000, centis % 360_000);
    let (m, c) = (rest / 6000, rest % 6000);
    format!("{h:02}h {m:02}m {:02}.{:02}s", c / 100, c % 100)
}

/// Declination in degrees, arcminutes, arcseconds: `+27° 33′ 28.0″`.
pub fn dec_dms(dec_deg: f64) -> String {
    let sign = if dec_deg < 0.0 { '−' } else { '+' };
    let tenths = (dec_deg.abs().min(90.0) * 3600.0 * 10.0).round() as u64;
    let (d, rest) = (tenths / 36_000, tenths % 36_000);
    let (m, t) = (rest / 600, rest % 600);
    format!("{sign}{d:02}° {m:02}′ {:02}.{}″", t / 10, t % 10)
}

/// The Legacy Surveys sky viewer centred on a position, with a marker.
pub fn legacy_viewer_url(ra: f64, dec: f64) -> String {
    format!(
        "https://www.legacysurvey.org/viewer?ra={ra:.6}&dec={dec:.6}&layer=ls-dr10&zoom=15&mark={ra:.6},{dec:.6}"
    )
}

/// A 256-pixel JPEG cutout at the DESI pixel scale (0.262″/pixel).
pub fn legacy_cutout_url(ra: f64, dec: f64) -> String {
    format!(
        "https://www.legacysurvey.org/viewer/cutout.jpg?ra={ra:.6}&dec={dec:.6}&layer=ls-dr10&pixscale=0.262&size=256"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sexagesimal_formats() {
        let cases = [
            (0.0, 0.0, "00h 00m 00.00s", "+00° 00′ 00.0″"),
            (256.497073, 27.557759, "17h 05m 59.30s", "+27° 33′ 27.9″"),
            (359.99999999, -0.5, "00h 00m 00.00s", "−00° 30′ 00.0″"),
            (15.0, -20.25, "01h 00m 00.00s", "−20° 15′ 00.0″"),
            (-15.0, 89.99999999, "23h 00m 00.00s", "+90° 00′ 00.0″"),
            (187.70593, 12.39112, "12h 30m 49.42s", "+12° 23′ 28.0″"), // M87
        ];
        for (ra, dec, h, d) in cases {
            assert_eq!(
                (ra_hms(ra), dec_dms(dec)),
                (h.to_string(), d.to_string()),
                "{ra} {dec}"
            );
        }
    }

    #[test]
    fn survey_links() {
        assert_eq!(
            legacy_viewer_url(10.5, -2.25),
            "https://www.legacysurvey.org/viewer?ra=10.500000&dec=-2.250000&layer=ls-dr10&zoom=15&mark=10.500000,-2.250000"
        );
        assert!(
            legacy_cutout_url(1.0, 2.0).contains(
                "cutout.jpg?ra=1.000000&dec=2.000000&layer=ls-dr10&pixscale=0.262&size=256"
            )
        );
    }
}
