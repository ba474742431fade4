//! The sky map's view as the address keeps it: `?map=mollweide,180,0,1.5,12,-40`
//! (projection, centre RA and Dec in degrees, zoom, then the offset of the sky's centre
//! from the canvas centre in CSS pixels, left out when zero).

use super::projection::Projection;

/// Zoom limits, as the map allows them.
pub const ZOOM_RANGE: (f64, f64) = (0.5, 200.0);

/// Projection, centre, zoom and vertical offset of the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapQuery {
    pub projection: Projection,
    pub ra0: f64,
    pub dec0: f64,
    pub zoom: f64,
    pub pan_x: f64,
    pub pan_y: f64,
}

fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

impl MapQuery {
    /// The text for the address (rounded to what a screen can show).
    pub fn to_query(&self) -> String {
        let mut parts = vec![
            self.projection.key().to_string(),
            trim(self.ra0.rem_euclid(360.0), 3),
            trim(self.dec0, 3),
            trim(self.zoom, 3),
        ];
        let (px, py) = (trim(self.pan_x, 0), trim(self.pan_y, 0));
        if px != "0" || py != "0" {
            parts.push(px);
            parts.push(py);
        }
        parts.join(",")
    }

    /// Read the address's text; every part is checked and a wrong one named.
    pub fn parse(text: &str) -> Result<MapQuery, String> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() != 4 && parts.len() != 6 {
            return Err(format!(
                "map={text}: expected projection,ra,dec,zoom[,x,y] (e.g. mollweide,180,0,1)"
            ));
        }
        let projection = Projection::from_key(parts[0]).ok_or_else(|| {
            let keys: Vec<&str> = Projection::ALL.iter().map(|p| p.key()).collect();
            format!(
                "map={text}: unknown projection {} (one of {})",
                parts[0],
                keys.join(", ")
            )
        })?;
        let num = |i: usize, what: &str| -> Result<f64, String> {
            parts[i]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("map={text}: {what} {} is not a number", parts[i]))
        };
        let ra0 = num(1, "RA")?.rem_euclid(360.0);
        let dec0 = num(2, "Dec")?;
        if !(-90.0..=90.0).contains(&dec0) {
            return Err(format!("map={text}: Dec {dec0} is outside -90..90"));
        }
        let zoom = num(3, "zoom")?;
        if !(ZOOM_RANGE.0..=ZOOM_RANGE.1).contains(&zoom) {
            return Err(format!(
                "map={text}: zoom {zoom} is outside {}..{}",
                ZOOM_RANGE.0, ZOOM_RANGE.1
            ));
        }
        let (pan_x, pan_y) = if parts.len() == 6 {
            (num(4, "offset")?, num(5, "offset")?)
        } else {
            (0.0, 0.0)
        };
        Ok(MapQuery {
            projection,
            ra0,
            dec0,
            zoom,
            pan_x,
            pan_y,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_round_trip_through_the_address() {
        for p in Projection::ALL {
            for (ra0, dec0, zoom, pan_x, pan_y) in [
                (180.0, 0.0, 1.0, 0.0, 0.0),
                (0.0, -89.5, 200.0, 0.0, -120.0),
                (359.999, 45.25, 0.5, -7.0, 33.0),
                (12.345, 90.0, 3.125, 250.0, 0.0),
            ] {
                let q = MapQuery {
                    projection: p,
                    ra0,
                    dec0,
                    zoom,
                    pan_x,
                    pan_y,
                };
                let text = q.to_query();
                assert_eq!(MapQuery::parse(&text), Ok(q), "{text}");
            }
        }
        let q = MapQuery::parse("mollweide,180,0,1").unwrap();
        assert_eq!(
            q.to_query(),
            "mollweide,180,0,1",
            "no offset, no trailing zeros"
        );
    }

    #[test]
    fn rounding_keeps_the_address_short() {
        let q = MapQuery {
            projection: Projection::Gnomonic,
            ra0: 370.123456,
            dec0: -0.0001,
            zoom: 2.00049,
            pan_x: -0.3,
            pan_y: 0.2,
        };
        let text = q.to_query();
        assert_eq!(text, format!("{},10.123,0,2", Projection::Gnomonic.key()));
    }

    #[test]
    fn bad_views_are_named() {
        for (text, needle) in [
            ("mollweide,180,0", "expected projection"),
            ("nope,180,0,1", "unknown projection nope"),
            ("mollweide,abc,0,1", "RA abc"),
            ("mollweide,180,95,1", "outside -90..90"),
            ("mollweide,180,0,1000", "zoom 1000"),
            ("mollweide,180,0,NaN", "zoom NaN"),
            ("mollweide,180,0,1,x,2", "offset x"),
            ("mollweide,180,0,1,2", "expected projection"),
        ] {
            let e = MapQuery::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert_eq!(MapQuery::parse("mollweide,-90,0,1").unwrap().ra0, 270.0);
    }
}
