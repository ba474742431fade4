//! The table view sorted and filtered: a column's values as sort keys, conditions on
//! columns (`=`, `<`, `>`, contains) combined with AND, the order of the rows that match,
//! and how the address keeps both (`?sort=col` or `?sort=-col`, `?where=col<5;name~abc`).
//! Pure: the engine reads only the columns named and calls [`order`].

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_schema::DataType;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A cell as a sort key.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Null,
    Num(f64),
    Text(String),
}

/// A column's cells as keys; a column that holds neither numbers nor text (images,
/// nested values) cannot be sorted or compared.
pub fn keys(col: &dyn Array, name: &str) -> Result<Vec<Key>, String> {
    macro_rules! nums {
        ($t:ty) => {
            col.as_primitive::<$t>()
                .iter()
                .map(|v| v.map_or(Key::Null, |v| Key::Num(v as f64)))
                .collect()
        };
    }
    let texts = |v: Vec<Option<&str>>| {
        v.into_iter()
            .map(|s| s.map_or(Key::Null, |s| Key::Text(s.to_string())))
            .collect()
    };
    Ok(match col.data_type() {
        DataType::Int8 => nums!(Int8Type),
        DataType::Int16 => nums!(Int16Type),
        DataType::Int32 => nums!(Int32Type),
        DataType::Int64 => nums!(Int64Type),
        DataType::UInt8 => nums!(UInt8Type),
        DataType::UInt16 => nums!(UInt16Type),
        DataType::UInt32 => nums!(UInt32Type),
        DataType::UInt64 => nums!(UInt64Type),
        DataType::Float32 => nums!(Float32Type),
        DataType::Float64 => nums!(Float64Type),
        DataType::Date32 => nums!(Date32Type),
        DataType::Date64 => nums!(Date64Type),
        DataType::Boolean => col
            .as_boolean()
            .iter()
            .map(|v| v.map_or(Key::Null, |b| Key::Num(if b { 1.0 } else { 0.0 })))
            .collect(),
        DataType::Utf8 => texts(col.as_string::<i32>().iter().collect()),
        DataType::LargeUtf8 => texts(col.as_string::<i64>().iter().collect()),
        DataType::Utf8View => texts(col.as_string_view().iter().collect()),
        other => {
            return Err(format!(
                "column {name} holds {other}: only numbers and text can be sorted or compared"
            ));
        }
    })
}

/// How a condition compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Contains,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Eq, Op::Lt, Op::Gt, Op::Contains];
    /// Its sign in the address and on the page.
    pub fn sign(self) -> char {
        match self {
            Op::Eq => '=',
            Op::Lt => '<',
            Op::Gt => '>',
            Op::Contains => '~',
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Contains => "contains",
        }
    }
    fn of(c: char) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.sign() == c)
    }
}

/// A condition on one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub column: String,
    pub op: Op,
    pub value: String,
}

impl Condition {
    /// Whether a cell passes. Numbers compare as numbers when the value is one, text as
    /// text (`=` exact, `<`/`>` in code point order); `contains` ignores case. A null
    /// passes nothing.
    pub fn passes(&self, key: &Key) -> bool {
        let number = self.value.trim().parse::<f64>().ok();
        match (key, self.op) {
            (Key::Null, _) => false,
            // as the table shows a number (f64's Display: `3`, `3.5`)
            (Key::Num(v), Op::Contains) => v.to_string().contains(self.value.trim()),
            (Key::Num(v), op) => match number {
                Some(n) => match op {
                    Op::Eq => *v == n,
                    Op::Lt => *v < n,
                    Op::Gt => *v > n,
                    Op::Contains => false,
                },
                None => false,
            },
            (Key::Text(t), Op::Eq) => t == &self.value,
            (Key::Text(t), Op::Lt) => t.as_str() < self.value.as_str(),
            (Key::Text(t), Op::Gt) => t.as_str() > self.value.as_str(),
            (Key::Text(t), Op::Contains) => t.to_lowercase().contains(&self.value.to_lowercase()),
        }
    }
}

/// How the table is ordered and filtered: what the address keeps.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    /// A column and whether descending.
    pub sort: Option<(String, bool)>,
    pub conditions: Vec<Condition>,
}

impl TableQuery {
    pub fn is_plain(&self) -> bool {
        self.sort.is_none() && self.conditions.is_empty()
    }

    /// The columns it reads, each once, in order of first use.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let names = self
            .sort
            .iter()
            .map(|s| &s.0)
            .chain(self.conditions.iter().map(|c| &c.column));
        for n in names {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        out
    }

    /// `?sort=` and `?where=` as the address has them (absent: none).
    pub fn parse(sort: Option<&str>, conditions: Option<&str>) -> Result<TableQuery, String> {
        let sort = sort
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('-') {
                Some(col) => (col.to_string(), true),
                None => (s.to_string(), false),
            });
        let mut out = Vec::new();
        for part in conditions
            .unwrap_or("")
            .split(';')
            .filter(|p| !p.is_empty())
        {
            let Some((at, op)) = part
                .char_indices()
                .find_map(|(i, c)| Op::of(c).map(|o| (i, o)))
            else {
                return Err(format!(
                    "the table condition {part:?} has no =, <, > or ~ (contains)"
                ));
            };
            let column = part[..at].trim();
            if column.is_empty() {
                return Err(format!("the table condition {part:?} names no column"));
            }
            out.push(Condition {
                column: column.to_string(),
                op,
                value: part[at + 1..].to_string(),
            });
        }
        Ok(TableQuery {
            sort,
            conditions: out,
        })
    }

    /// (`sort`, `where`) for the address.
    pub fn to_params(&self) -> (Option<String>, Option<String>) {
        let sort = self
            .sort
            .as_ref()
            .map(|(c, desc)| format!("{}{c}", if *desc { "-" } else { "" }));
        let conditions = (!self.conditions.is_empty()).then(|| {
            self.conditions
                .iter()
                .map(|c| format!("{}{}{}", c.column, c.op.sign(), c.value.replace(';', ",")))
                .collect::<Vec<_>>()
                .join(";")
        });
        (sort, conditions)
    }
}

/// Compare two keys: numbers before text, nulls after everything (whatever the direction).
fn compare(a: &Key, b: &Key, descending: bool) -> Ordering {
    let flip = |o: Ordering| if descending { o.reverse() } else { o };
    match (a, b) {
        (Key::Null, Key::Null) => Ordering::Equal,
        (Key::Null, _) => Ordering::Greater,
        (_, Key::Null) => Ordering::Less,
        (Key::Num(x), Key::Num(y)) => flip(x.total_cmp(y)),
        (Key::Text(x), Key::Text(y)) => flip(x.cmp(y)),
        (Key::Num(_), Key::Text(_)) => flip(Ordering::Less),
        (Key::Text(_), Key::Num(_)) => flip(Ordering::Greater),
    }
}

/// The rows (`0..n`) that pass every condition, in the sort's order (ties and no sort: by
/// row). `sort` and each condition come with their column's keys, one per row.
pub fn order(
    n: usize,
    sort: Option<(&[Key], bool)>,
    conditions: &[(&[Key], &Condition)],
) -> Vec<u32> {
    let mut rows: Vec<u32> = (0..n as u32)
        .filter(|&r| {
            conditions
                .iter()
                .all(|(keys, c)| keys.get(r as usize).is_some_and(|k| c.passes(k)))
        })
        .collect();
    if let Some((keys, descending)) = sort {
        let null = Key::Null;
        rows.sort_by(|&a, &b| {
            let (ka, kb) = (
                keys.get(a as usize).unwrap_or(&null),
                keys.get(b as usize).unwrap_or(&null),
            );
            compare(ka, kb, descending).then(a.cmp(&b))
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int32Array, StringArray};

    fn cond(column: &str, op: Op, value: &str) -> Condition {
        Condition {
            column: column.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn columns_become_keys_or_a_reason() {
        let ints = Int32Array::from(vec![Some(3), None, Some(-1)]);
        assert_eq!(
            keys(&ints, "n").unwrap(),
            [Key::Num(3.0), Key::Null, Key::Num(-1.0)]
        );
        let s = StringArray::from(vec![Some("b"), None]);
        assert_eq!(keys(&s, "s").unwrap(), [Key::Text("b".into()), Key::Null]);
        let bin = arrow_array::BinaryArray::from(vec![&b"x"[..]]);
        assert!(keys(&bin, "image").unwrap_err().contains("image"));
    }

    #[test]
    fn sorting_puts_nulls_last_both_ways_and_keeps_ties_in_row_order() {
        let k = keys(
            &Float64Array::from(vec![
                Some(2.0),
                None,
                Some(1.0),
                Some(2.0),
                None,
                Some(f64::NAN),
            ]),
            "x",
        )
        .unwrap();
        assert_eq!(order(6, Some((&k, false)), &[]), [2, 0, 3, 5, 1, 4]);
        assert_eq!(order(6, Some((&k, true)), &[]), [5, 0, 3, 2, 1, 4]);
        assert_eq!(order(6, None, &[]), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn conditions_combine_with_and_against_brute_force() {
        let n = 500;
        let a: Vec<Key> = (0..n)
            .map(|i| {
                if i % 7 == 0 {
                    Key::Null
                } else {
                    Key::Num((i * 37 % 101) as f64)
                }
            })
            .collect();
        let b: Vec<Key> = (0..n)
            .map(|i| Key::Text(format!("G{}_{}", i % 13, i)))
            .collect();
        let c1 = cond("a", Op::Gt, "40");
        let c2 = cond("a", Op::Lt, "90");
        let c3 = cond("b", Op::Contains, "g3_");
        let got = order(n, Some((&a, true)), &[(&a, &c1), (&a, &c2), (&b, &c3)]);
        let mut want: Vec<u32> = (0..n as u32)
            .filter(|&i| {
                let i = i as usize;
                !i.is_multiple_of(7) && {
                    let v = i * 37 % 101;
                    v > 40 && v < 90 && i % 13 == 3
                }
            })
            .collect();
        want.sort_by(|&x, &y| {
            let v = |i: u32| (i as usize * 37 % 101) as i64;
            v(y).cmp(&v(x)).then(x.cmp(&y))
        });
        assert!(!want.is_empty());
        assert_eq!(got, want);
        // = on numbers is numeric, on text exact; a number's text contains digits
        assert!(cond("a", Op::Eq, "3.0").passes(&Key::Num(3.0)));
        assert!(!cond("b", Op::Eq, "g1_1").passes(&Key::Text("G1_1".into())));
        assert!(cond("a", Op::Contains, "12").passes(&Key::Num(5123.0)));
        assert!(!cond("a", Op::Lt, "x").passes(&Key::Num(1.0)));
    }

    #[test]
    fn the_address_keeps_sort_and_conditions() {
        let q = TableQuery::parse(
            Some("-smooth-or-featured-dr8_smooth"),
            Some("ra>150;id_str~303_;dec<2.5;split=train"),
        )
        .unwrap();
        assert_eq!(q.sort, Some(("smooth-or-featured-dr8_smooth".into(), true)));
        assert_eq!(
            q.conditions,
            [
                cond("ra", Op::Gt, "150"),
                cond("id_str", Op::Contains, "303_"),
                cond("dec", Op::Lt, "2.5"),
                cond("split", Op::Eq, "train"),
            ]
        );
        assert_eq!(
            q.columns(),
            [
                "smooth-or-featured-dr8_smooth",
                "ra",
                "id_str",
                "dec",
                "split"
            ]
        );
        let (s, w) = q.to_params();
        assert_eq!(TableQuery::parse(s.as_deref(), w.as_deref()).unwrap(), q);
        assert!(
            TableQuery::parse(None, Some("ra 150"))
                .unwrap_err()
                .contains("no =")
        );
        assert!(
            TableQuery::parse(None, Some("<3"))
                .unwrap_err()
                .contains("no column")
        );
        assert!(TableQuery::parse(None, None).unwrap().is_plain());
    }
}
