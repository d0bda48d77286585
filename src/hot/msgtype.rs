//! Classifying a raw FIX MsgType (tag 35) as an order or not, without allocating.
//!
//! Single-character types (most of them) are looked up in a 128-bit ASCII bitmap; longer ones
//! (`AB`, `AC`, venue-specific types) in a short list. The set is fixed when the engine opens.

use crate::hot::session::MsgClass;

/// The MsgTypes venues count as orders by default: NewOrderSingle, OrderCancelRequest,
/// OrderCancelReplaceRequest, NewOrderList, NewOrderMultileg, MultilegOrderCancelReplace,
/// NewOrderCross, OrderMassCancelRequest.
pub const DEFAULT_ORDER_TYPES: &[&str] = &["D", "F", "G", "E", "AB", "AC", "s", "q"];

/// Longest MsgType accepted (FIX gives no limit; real ones are 1 to 3 characters).
pub const MAX_MSGTYPE_LEN: usize = 16;

/// Why a MsgType was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgTypeError {
    /// Empty.
    Empty,
    /// Longer than [`MAX_MSGTYPE_LEN`].
    TooLong,
    /// A byte outside printable ASCII (`!` to `~`), such as SOH or `=`.
    BadByte,
}

impl std::fmt::Display for MsgTypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MsgTypeError::Empty => "MsgType is empty",
            MsgTypeError::TooLong => "MsgType is longer than 16 bytes",
            MsgTypeError::BadByte => "MsgType has a byte outside printable ASCII, or '='",
        })
    }
}

/// Checks that `msgtype` could be a tag-35 value.
#[inline]
pub fn validate(msgtype: &[u8]) -> Result<(), MsgTypeError> {
    if msgtype.is_empty() {
        return Err(MsgTypeError::Empty);
    }
    if msgtype.len() > MAX_MSGTYPE_LEN {
        return Err(MsgTypeError::TooLong);
    }
    if msgtype.iter().any(|&b| !(b'!'..=b'~').contains(&b) || b == b'=') {
        return Err(MsgTypeError::BadByte);
    }
    Ok(())
}

/// The set of MsgTypes that count as orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderTypes {
    single: u128,
    longer: Vec<Box<[u8]>>,
}

impl Default for OrderTypes {
    fn default() -> Self {
        OrderTypes::new(DEFAULT_ORDER_TYPES.iter().map(|s| s.as_bytes())).expect("defaults are valid")
    }
}

impl OrderTypes {
    /// A set of the given MsgTypes; each must pass [`validate`].
    pub fn new<'a>(types: impl IntoIterator<Item = &'a [u8]>) -> Result<OrderTypes, MsgTypeError> {
        let mut set = OrderTypes { single: 0, longer: Vec::new() };
        for t in types {
            validate(t)?;
            if let [b] = t {
                set.single |= 1u128 << b;
            } else if !set.longer.iter().any(|l| &l[..] == t) {
                set.longer.push(t.into());
            }
        }
        Ok(set)
    }

    /// Parses a comma-separated list such as `D,F,G,AB`.
    pub fn parse(list: &str) -> Result<OrderTypes, MsgTypeError> {
        OrderTypes::new(list.split(',').map(|s| s.trim().as_bytes()))
    }

    /// The class of an already validated MsgType.
    #[inline(always)]
    pub fn classify(&self, msgtype: &[u8]) -> MsgClass {
        let order = match msgtype {
            [b] => *b < 128 && self.single & (1u128 << b) != 0,
            _ => self.longer.iter().any(|l| &l[..] == msgtype),
        };
        if order {
            MsgClass::Order
        } else {
            MsgClass::Other
        }
    }

    /// The members, single characters first.
    pub fn members(&self) -> Vec<String> {
        let singles = (0u8..128).filter(|b| self.single & (1u128 << b) != 0).map(|b| (b as char).to_string());
        singles.chain(self.longer.iter().map(|l| String::from_utf8_lossy(l).into_owned())).collect()
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn defaults_classify_orders() {
        let set = OrderTypes::default();
        for t in DEFAULT_ORDER_TYPES {
            assert_eq!(set.classify(t.as_bytes()), MsgClass::Order, "{t}");
        }
        for t in ["0", "A", "5", "V", "8", "j", "AD", "ABC", "d"] {
            assert_eq!(set.classify(t.as_bytes()), MsgClass::Other, "{t}");
        }
    }

    #[test]
    fn configurable() {
        let set = OrderTypes::parse("D, U1 ,F").unwrap();
        assert_eq!(set.classify(b"U1"), MsgClass::Order);
        assert_eq!(set.classify(b"G"), MsgClass::Other);
        assert_eq!(set.members(), vec!["D", "F", "U1"]);
    }

    #[test]
    fn bad_msgtypes_are_refused() {
        assert_eq!(validate(b""), Err(MsgTypeError::Empty));
        assert_eq!(validate(b"\x01"), Err(MsgTypeError::BadByte));
        assert_eq!(validate(b"D="), Err(MsgTypeError::BadByte));
        assert_eq!(validate(b" D"), Err(MsgTypeError::BadByte));
        assert_eq!(validate(&[0xC3, 0xA9]), Err(MsgTypeError::BadByte));
        assert_eq!(validate(&[b'A'; 17]), Err(MsgTypeError::TooLong));
        assert_eq!(OrderTypes::parse("D,,F"), Err(MsgTypeError::Empty));
    }
}
