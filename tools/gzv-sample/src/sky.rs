//! Sky positions inside the DESI Legacy Imaging Surveys footprint, and DR8-style ids.

use crate::rng::Rng;

/// Declination limits of the sample footprint, degrees.
pub const DEC_MIN: f64 = -20.0;
pub const DEC_MAX: f64 = 85.0;
/// Minimum |Galactic latitude| in degrees: the surveys avoid the Galactic plane.
pub const MIN_ABS_GALACTIC_LATITUDE: f64 = 18.0;

/// North Galactic Pole in J2000 equatorial coordinates, degrees.
const NGP_RA: f64 = 192.859_48;
const NGP_DEC: f64 = 27.128_25;

/// Galactic latitude (degrees) of a J2000 position.
pub fn galactic_latitude(ra: f64, dec: f64) -> f64 {
    let (d, dg) = (dec.to_radians(), NGP_DEC.to_radians());
    let s = d.sin() * dg.sin() + d.cos() * dg.cos() * (ra - NGP_RA).to_radians().cos();
    s.clamp(-1.0, 1.0).asin().to_degrees()
}

/// A position uniform on the sphere within the footprint (rejection sampling).
pub fn draw_position(rng: &mut Rng) -> (f64, f64) {
    let (s0, s1) = (DEC_MIN.to_radians().sin(), DEC_MAX.to_radians().sin());
    loop {
        let ra = rng.range(0.0, 360.0);
        let dec = rng.range(s0, s1).asin().to_degrees();
        if galactic_latitude(ra, dec).abs() >= MIN_ABS_GALACTIC_LATITUDE {
            return (ra, dec);
        }
    }
}

/// A DR8-style `{brickid}_{objid}` identifier.
pub fn draw_id(rng: &mut Rng) -> (u32, u32) {
    (rng.int(100_000, 662_174) as u32, rng.int(0, 6_999) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galactic_poles_and_plane() {
        assert!((galactic_latitude(NGP_RA, NGP_DEC) - 90.0).abs() < 1e-9);
        // The Galactic centre (Sgr A*, ra 266.405, dec -28.936) lies on the plane.
        assert!(galactic_latitude(266.405, -28.936).abs() < 0.1);
    }

    #[test]
    fn positions_stay_in_footprint() {
        let mut rng = Rng::new(5);
        for _ in 0..2000 {
            let (ra, dec) = draw_position(&mut rng);
            assert!((0.0..360.0).contains(&ra));
            assert!((DEC_MIN..=DEC_MAX).contains(&dec));
            assert!(galactic_latitude(ra, dec).abs() >= MIN_ABS_GALACTIC_LATITUDE);
        }
    }
}
