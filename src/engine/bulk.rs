//! Large payloads (positions, vote counts, image bytes) travel beside a message, not
//! inside its JSON: while a message is encoded, each [`Bulk`] in it is set aside as a
//! buffer of its own and the JSON holds its index; the buffers cross to the other thread
//! as transferred `ArrayBuffer`s (moved, not copied) and are put back when the message is
//! decoded. Without an encoder around it, a `Bulk` is written inline (tests, debugging).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;

thread_local! {
    static OUT: RefCell<Option<Vec<Vec<u8>>>> = const { RefCell::new(None) };
    static IN: RefCell<Option<Vec<Option<Vec<u8>>>>> = const { RefCell::new(None) };
}

/// Bytes sent beside a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bulk(pub Vec<u8>);

impl Bulk {
    pub fn from_f32(v: &[f32]) -> Bulk {
        Bulk(v.iter().flat_map(|x| x.to_le_bytes()).collect())
    }
    pub fn f32s(&self) -> Vec<f32> {
        self.0
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn from_f64(v: &[f64]) -> Bulk {
        Bulk(v.iter().flat_map(|x| x.to_le_bytes()).collect())
    }
    pub fn f64s(&self) -> Vec<f64> {
        self.0
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    }
    pub fn from_u16(v: &[u16]) -> Bulk {
        Bulk(v.iter().flat_map(|x| x.to_le_bytes()).collect())
    }
    pub fn u16s(&self) -> Vec<u16> {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    }
    pub fn from_u32(v: &[u32]) -> Bulk {
        Bulk(v.iter().flat_map(|x| x.to_le_bytes()).collect())
    }
    pub fn u32s(&self) -> Vec<u32> {
        self.0
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn from_i32(v: &[i32]) -> Bulk {
        Bulk(v.iter().flat_map(|x| x.to_le_bytes()).collect())
    }
    pub fn i32s(&self) -> Vec<i32> {
        self.0
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How a `Bulk` is written: the index of a buffer beside the message, or inline.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Wire {
    Beside(u32),
    Inline(Vec<u8>),
}

impl Serialize for Bulk {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let beside = OUT.with(|out| {
            out.borrow_mut().as_mut().map(|v| {
                v.push(self.0.clone());
                (v.len() - 1) as u32
            })
        });
        match beside {
            Some(i) => Wire::Beside(i).serialize(s),
            None => Wire::Inline(self.0.clone()).serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Bulk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Inline(v) => Ok(Bulk(v)),
            Wire::Beside(i) => IN
                .with(|inp| {
                    inp.borrow_mut()
                        .as_mut()
                        .and_then(|v| v.get_mut(i as usize))
                        .and_then(Option::take)
                })
                .map(Bulk)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("no buffer {i} beside the message"))
                }),
        }
    }
}

/// A message as JSON plus the buffers set aside from it.
pub fn encode<T: Serialize>(msg: &T) -> Result<(String, Vec<Vec<u8>>), String> {
    OUT.with(|out| *out.borrow_mut() = Some(Vec::new()));
    let json = serde_json::to_string(msg).map_err(|e| e.to_string());
    let buffers = OUT.with(|out| out.borrow_mut().take()).unwrap_or_default();
    Ok((json?, buffers))
}

/// A message back from its JSON and buffers.
pub fn decode<T: DeserializeOwned>(json: &str, buffers: Vec<Vec<u8>>) -> Result<T, String> {
    IN.with(|inp| *inp.borrow_mut() = Some(buffers.into_iter().map(Some).collect()));
    let msg = serde_json::from_str(json).map_err(|e| e.to_string());
    IN.with(|inp| *inp.borrow_mut() = None);
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Msg {
        name: String,
        a: Bulk,
        more: Vec<Bulk>,
    }

    #[test]
    fn bulk_travels_beside_the_json() {
        let msg = Msg {
            name: "points".into(),
            a: Bulk::from_f32(&[1.5, -2.0]),
            more: vec![Bulk::from_u32(&[7, u32::MAX]), Bulk(vec![1, 2, 3])],
        };
        let (json, buffers) = encode(&msg).unwrap();
        assert_eq!(json, r#"{"name":"points","a":0,"more":[1,2]}"#);
        assert_eq!(buffers.len(), 3);
        let back: Msg = decode(&json, buffers).unwrap();
        assert_eq!(back, msg);
        assert_eq!(back.a.f32s(), vec![1.5, -2.0]);
        assert_eq!(back.more[0].u32s(), vec![7, u32::MAX]);
        // a missing buffer is an error, not a panic or an empty payload
        assert!(decode::<Msg>(&json, Vec::new()).is_err());
        // without an encoder: inline
        let inline = serde_json::to_string(&Bulk(vec![9])).unwrap();
        assert_eq!(inline, "[9]");
        assert_eq!(
            serde_json::from_str::<Bulk>(&inline).unwrap(),
            Bulk(vec![9])
        );
    }
}
