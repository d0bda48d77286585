//! Per-user IP allow-lists: which peer addresses may log on as a user.
//!
//! An [`IpRule`] is one IPv4 or IPv6 address or CIDR range ("203.0.113.7", "10.0.0.0/8",
//! "2001:db8::/32"); an [`AllowList`] holds up to [`MAX_RULES`] of them, and an EMPTY list permits every
//! address. [`parse_peer`] reads the peer address a host hands over, with or without a port.
//!
//! IPv4-mapped IPv6 peers (`::ffff:203.0.113.7`) are matched as the IPv4 address they carry, and a rule
//! written in mapped form (`::ffff:10.0.0.0/104`) is stored as the IPv4 rule it means (`10.0.0.0/8`).
//! IPv4 rules never match other IPv6 peers, and IPv6 rules never match IPv4 peers: `::/0` is "every
//! IPv6 address", not "everything". Text is parsed strictly: no whitespace, no host bits set after the
//! prefix, at most [`MAX_TEXT`] bytes.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// Most rules one [`AllowList`] may hold.
pub const MAX_RULES: usize = 256;

/// Longest text, in bytes, that [`IpRule::from_str`] and [`parse_peer`] accept. The longest valid
/// rule or socket address is shorter.
pub const MAX_TEXT: usize = 64;

/// Why a rule, a peer address or an addition to an [`AllowList`] was refused.
///
/// Each variant carries the offending text (cut to [`MAX_TEXT`] characters); [`fmt::Display`] quotes it
/// with control characters escaped, so the message is safe to log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowListError {
    /// The text was empty.
    Empty,
    /// The text was longer than [`MAX_TEXT`] bytes; holds its first [`MAX_TEXT`] characters.
    TooLong(String),
    /// The text contained whitespace (anywhere, including at either end).
    Whitespace(String),
    /// The part before any `/` was not an IPv4 or IPv6 address.
    NotAnAddress(String),
    /// The part after `/` was not a plain decimal number (empty, signed, leading zero, ...).
    BadPrefix(String),
    /// The prefix length was above the address family's maximum.
    PrefixTooLong {
        /// The rule as written.
        text: String,
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
    /// Bits beyond the prefix were set, as in `10.1.2.3/8`. Refused rather than silently masked, since
    /// it usually means a typo in the address or in the prefix.
    HostBitsSet {
        /// The rule as written.
        text: String,
        /// The canonical range with the host bits cleared, suggested in the message.
        network: String,
    },
    /// The [`AllowList`] already held [`MAX_RULES`] rules; holds the rule that did not fit.
    TooMany(String),
    /// Not a peer address: neither an address, `[IPv6]`, nor either with `:port`.
    NotAPeer(String),
}

impl fmt::Display for AllowListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty string where an IP address was expected"),
            Self::TooLong(text) => write!(f, "'{}...': longer than {MAX_TEXT} bytes", text.escape_debug()),
            Self::Whitespace(text) => write!(f, "'{}': contains whitespace", text.escape_debug()),
            Self::NotAnAddress(text) => {
                write!(f, "'{}': not an IP address or CIDR range", text.escape_debug())
            }
            Self::BadPrefix(text) => {
                write!(f, "'{}': prefix length after '/' must be a plain decimal number", text.escape_debug())
            }
            Self::PrefixTooLong { text, max } => {
                let family = if *max == 32 { "IPv4" } else { "IPv6" };
                write!(f, "'{}': prefix length above {max} for {family}", text.escape_debug())
            }
            Self::HostBitsSet { text, network } => {
                write!(f, "'{}': host bits set (did you mean {network}?)", text.escape_debug())
            }
            Self::TooMany(text) => write!(
                f,
                "'{}': allow-list already holds the maximum of {MAX_RULES} rules",
                text.escape_debug()
            ),
            Self::NotAPeer(text) => write!(
                f,
                "'{}': not a peer address (expected an IPv4 or IPv6 address, [IPv6], or either with :port)",
                text.escape_debug()
            ),
        }
    }
}

impl std::error::Error for AllowListError {}

/// Network bits and prefix length of one rule. The bits beyond the prefix are always zero, and a V6
/// network is never an IPv4-mapped range of prefix 96 or more (those are stored as V4).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

fn mask_v4(prefix: u8) -> u32 {
    // A shift by 32 would overflow: /0 has no network bits at all.
    u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0)
}

/// The address as rules see it: an IPv4-mapped IPv6 address becomes the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// First [`MAX_TEXT`] characters of `text`, for an error.
fn cut(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// The checks shared by rules and peers: not empty, not too long, no whitespace.
fn check_text(text: &str) -> Result<(), AllowListError> {
    if text.is_empty() {
        return Err(AllowListError::Empty);
    }
    if text.len() > MAX_TEXT {
        return Err(AllowListError::TooLong(cut(text)));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(AllowListError::Whitespace(text.to_owned()));
    }
    Ok(())
}

/// A prefix length as written after '/': 1 to 3 ASCII digits, no sign, no leading zero.
fn parse_prefix(text: &str) -> Option<u16> {
    let plain = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if plain {
        text.parse().ok()
    } else {
        None
    }
}

/// One IPv4 or IPv6 address or CIDR range that a peer address may fall in.
///
/// Parsed from text with [`str::parse`] ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "::1"); a bare
/// address is a single host (/32 or /128). Bits beyond the prefix must be zero ("10.1.2.3/8" is refused
/// with a suggestion of "10.0.0.0/8"). Displayed, and serialized, in canonical form: "10.0.0.0/8",
/// "2001:db8::/32", and a single host as the plain address. Equal rules have equal canonical forms.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpRule {
    net: Net,
}

impl IpRule {
    /// The rule for `network`/`prefix_len`. An IPv4-mapped IPv6 range of prefix 96 or more becomes the
    /// IPv4 rule it means. Refused when the prefix is above the family's maximum or host bits are set.
    pub fn new(network: IpAddr, prefix_len: u8) -> Result<Self, AllowListError> {
        Self::build(network, u16::from(prefix_len), || format!("{network}/{prefix_len}"))
    }

    /// The rule matching exactly `ip` (IPv4-mapped addresses as their IPv4 address).
    pub fn host(ip: IpAddr) -> Self {
        match canonical(ip) {
            IpAddr::V4(v4) => Self { net: Net::V4(u32::from(v4), 32) },
            IpAddr::V6(v6) => Self { net: Net::V6(u128::from(v6), 128) },
        }
    }

    fn build(addr: IpAddr, prefix: u16, text: impl Fn() -> String) -> Result<Self, AllowListError> {
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > u16::from(max) {
            return Err(AllowListError::PrefixTooLong { text: text(), max });
        }
        // In range just above; the fallback is never taken.
        let prefix = u8::try_from(prefix).unwrap_or(max);
        let (net, exact) = match addr {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) if prefix >= 96 => Self::v4(u32::from(v4), prefix - 96),
                _ => {
                    let bits = u128::from(v6);
                    (Net::V6(bits & mask_v6(prefix), prefix), bits & !mask_v6(prefix) == 0)
                }
            },
            IpAddr::V4(v4) => Self::v4(u32::from(v4), prefix),
        };
        let rule = Self { net };
        if !exact {
            return Err(AllowListError::HostBitsSet { text: text(), network: rule.to_string() });
        }
        Ok(rule)
    }

    /// The network of `bits`/`prefix`, and whether no host bits were set.
    fn v4(bits: u32, prefix: u8) -> (Net, bool) {
        (Net::V4(bits & mask_v4(prefix), prefix), bits & !mask_v4(prefix) == 0)
    }

    /// The first address of the range (the host itself for a single-host rule).
    pub fn network(&self) -> IpAddr {
        match self.net {
            Net::V4(bits, _) => IpAddr::V4(Ipv4Addr::from(bits)),
            Net::V6(bits, _) => IpAddr::V6(Ipv6Addr::from(bits)),
        }
    }

    /// The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6.
    pub fn prefix_len(&self) -> u8 {
        match self.net {
            Net::V4(_, p) | Net::V6(_, p) => p,
        }
    }

    /// Whether `ip` lies in this range. An IPv4-mapped IPv6 address is matched as its IPv4 address;
    /// an IPv4 rule never matches any other IPv6 address, nor an IPv6 rule an IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (Net::V4(net, p), IpAddr::V4(v4)) => u32::from(v4) & mask_v4(p) == net,
            (Net::V6(net, p), IpAddr::V6(v6)) => u128::from(v6) & mask_v6(p) == net,
            _ => false,
        }
    }
}

impl FromStr for IpRule {
    type Err = AllowListError;

    /// Parses "ADDRESS" or "ADDRESS/PREFIX" strictly; see [`IpRule`] and [`AllowListError`].
    fn from_str(text: &str) -> Result<Self, AllowListError> {
        check_text(text)?;
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().map_err(|_| AllowListError::NotAnAddress(text.to_owned()))?;
        let prefix = match prefix_text {
            None if addr.is_ipv4() => 32,
            None => 128,
            Some(p) => parse_prefix(p).ok_or_else(|| AllowListError::BadPrefix(text.to_owned()))?,
        };
        Self::build(addr, prefix, || text.to_owned())
    }
}

impl fmt::Display for IpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.net {
            Net::V4(bits, 32) => write!(f, "{}", Ipv4Addr::from(bits)),
            Net::V4(bits, p) => write!(f, "{}/{p}", Ipv4Addr::from(bits)),
            Net::V6(bits, 128) => write!(f, "{}", Ipv6Addr::from(bits)),
            Net::V6(bits, p) => write!(f, "{}/{p}", Ipv6Addr::from(bits)),
        }
    }
}

impl fmt::Debug for IpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IpRule({self})")
    }
}

impl Serialize for IpRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RuleVisitor;
        impl Visitor<'_> for RuleVisitor {
            type Value = IpRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an IP address or CIDR range as a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IpRule, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(RuleVisitor)
    }
}

/// A user's IP allow-list: up to [`MAX_RULES`] distinct [`IpRule`]s, kept in insertion order.
///
/// An EMPTY list permits every address (no restriction configured), so removing the last rule lifts
/// the restriction. Overlapping rules ("10.0.0.0/8" and "10.1.0.0/16") are both kept; only equal rules
/// are merged. Serializes as a JSON array of canonical rule strings; deserializing validates every
/// rule, merges duplicates silently and refuses more than [`MAX_RULES`] distinct rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    rules: Vec<IpRule>,
}

impl AllowList {
    /// An empty list, which permits every address.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `rule` at the end. `Ok(false)` if an equal rule is already there (the list is unchanged,
    /// even when full); [`AllowListError::TooMany`] if the list already holds [`MAX_RULES`] rules.
    pub fn add(&mut self, rule: IpRule) -> Result<bool, AllowListError> {
        if self.rules.contains(&rule) {
            return Ok(false);
        }
        if self.rules.len() >= MAX_RULES {
            return Err(AllowListError::TooMany(rule.to_string()));
        }
        self.rules.push(rule);
        Ok(true)
    }

    /// Removes `rule`; false if it was not there. The others keep their order.
    pub fn remove(&mut self, rule: &IpRule) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r != rule);
        self.rules.len() != before
    }

    /// The rules, in insertion order.
    pub fn rules(&self) -> &[IpRule] {
        &self.rules
    }

    /// Whether the list holds no rule (and so permits every address).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// How many rules the list holds.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether a peer at `ip` may log on: true if the list is empty or any rule contains `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|rule| rule.contains(ip))
    }
}

impl Serialize for AllowList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.rules)
    }
}

impl<'de> Deserialize<'de> for AllowList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = AllowList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of IP addresses or CIDR ranges as strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AllowList, A::Error> {
                // Rule by rule, so an oversized array fails at rule 257 instead of being read whole.
                let mut list = AllowList::new();
                while let Some(rule) = seq.next_element::<IpRule>()? {
                    list.add(rule).map_err(de::Error::custom)?;
                }
                Ok(list)
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

/// Reads the peer address a host passes in: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`,
/// `203.0.113.7:5001` or `[2001:db8::1]:5001` (the port, and a numeric IPv6 scope id inside the
/// brackets, are dropped). Anything else, including whitespace, an `[IPv4]` or a bad port, is refused
/// with [`AllowListError::NotAPeer`] (or [`AllowListError::Empty`], [`AllowListError::TooLong`],
/// [`AllowListError::Whitespace`]). An IPv4-mapped address is returned as written; rules match it as
/// IPv4.
pub fn parse_peer(text: &str) -> Result<IpAddr, AllowListError> {
    check_text(text)?;
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Ok(socket.ip());
    }
    if let Some(v6) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        if let Ok(v6) = v6.parse::<Ipv6Addr>() {
            return Ok(IpAddr::V6(v6));
        }
    }
    Err(AllowListError::NotAPeer(text.to_owned()))
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    fn rule(text: &str) -> IpRule {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn err(text: &str) -> String {
        text.parse::<IpRule>().unwrap_err().to_string()
    }

    #[test]
    fn v4_host() {
        let r = rule("203.0.113.7");
        assert_eq!(
            (r.to_string(), r.prefix_len(), r.network()),
            ("203.0.113.7".into(), 32, ip("203.0.113.7"))
        );
        assert_eq!(rule("203.0.113.7/32"), r);
        assert!(r.contains(ip("203.0.113.7")));
        assert!(!r.contains(ip("203.0.113.6")));
        assert!(!r.contains(ip("203.0.113.8")));
        assert_eq!(IpRule::host(ip("::ffff:203.0.113.7")), r);
    }

    #[test]
    fn v4_cidr_edges() {
        let r = rule("10.1.0.0/16");
        assert_eq!(r.to_string(), "10.1.0.0/16");
        assert!(r.contains(ip("10.1.0.0")));
        assert!(r.contains(ip("10.1.255.255")));
        assert!(r.contains(ip("10.1.2.3")));
        assert!(!r.contains(ip("10.0.255.255")));
        assert!(!r.contains(ip("10.2.0.0")));
        let r = rule("192.168.1.128/25");
        assert!(r.contains(ip("192.168.1.128")) && r.contains(ip("192.168.1.255")));
        assert!(!r.contains(ip("192.168.1.127")) && !r.contains(ip("192.168.2.0")));
        let r = rule("10.0.0.0/8");
        assert!(r.contains(ip("10.0.0.0")) && r.contains(ip("10.255.255.255")));
        assert!(!r.contains(ip("9.255.255.255")) && !r.contains(ip("11.0.0.0")));
    }

    #[test]
    fn v4_slash_0_and_32() {
        let all = rule("0.0.0.0/0");
        assert_eq!((all.to_string(), all.prefix_len()), ("0.0.0.0/0".into(), 0));
        for addr in ["0.0.0.0", "255.255.255.255", "127.0.0.1", "::ffff:1.2.3.4"] {
            assert!(all.contains(ip(addr)), "{addr}");
        }
        assert!(!all.contains(ip("2001:db8::1")));
        assert!(!all.contains(ip("::")));
        let one = rule("255.255.255.255/32");
        assert_eq!(one.to_string(), "255.255.255.255");
        assert!(one.contains(ip("255.255.255.255")) && !one.contains(ip("255.255.255.254")));
        let one = rule("0.0.0.0/32");
        assert!(one.contains(ip("0.0.0.0")) && !one.contains(ip("0.0.0.1")));
        assert_eq!(mask_v4(0), 0);
        assert_eq!(mask_v4(1), 0x8000_0000);
        assert_eq!(mask_v4(32), u32::MAX);
        assert_eq!(mask_v6(0), 0);
        assert_eq!(mask_v6(1), 1 << 127);
        assert_eq!(mask_v6(128), u128::MAX);
    }

    #[test]
    fn v6_host_and_cidr() {
        let host = rule("2001:db8::1/128");
        assert_eq!(host.to_string(), "2001:db8::1");
        assert_eq!(rule("2001:0db8:0000::0001"), host);
        assert!(host.contains(ip("2001:db8::1")) && !host.contains(ip("2001:db8::2")));
        let lo = rule("::1");
        assert_eq!((lo.to_string(), lo.prefix_len()), ("::1".into(), 128));
        assert!(lo.contains(ip("::1")) && !lo.contains(ip("127.0.0.1")));

        let net = rule("2001:db8::/32");
        assert_eq!(net.to_string(), "2001:db8::/32");
        assert!(net.contains(ip("2001:db8::")));
        assert!(net.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!net.contains(ip("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!net.contains(ip("2001:db9::")));
        let net = rule("2001:db8:0:1::/64");
        assert!(net.contains(ip("2001:db8:0:1::42")) && !net.contains(ip("2001:db8:0:2::")));

        let all = rule("::/0");
        assert_eq!((all.to_string(), all.prefix_len()), ("::/0".into(), 0));
        assert!(all.contains(ip("::")) && all.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(all.contains(ip("2001:db8::1")));
        // IPv6 rules never match IPv4 peers, plain or mapped.
        assert!(!all.contains(ip("203.0.113.7")) && !all.contains(ip("::ffff:203.0.113.7")));
        let max = rule("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
        assert!(max.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!max.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")));
    }

    #[test]
    fn mapped_v4_peer_matches_v4_rules() {
        assert!(rule("203.0.113.7").contains(ip("::ffff:203.0.113.7")));
        assert!(rule("203.0.113.0/24").contains(ip("::ffff:203.0.113.200")));
        assert!(!rule("203.0.113.0/24").contains(ip("::ffff:203.0.114.1")));
        let list = list(&["10.0.0.0/8"]);
        assert!(list.permits(ip("::ffff:10.9.8.7")) && !list.permits(ip("::ffff:11.0.0.1")));
        // A rule written in mapped form is the IPv4 rule it means.
        assert_eq!(rule("::ffff:10.0.0.0/104"), rule("10.0.0.0/8"));
        assert_eq!(rule("::ffff:203.0.113.7").to_string(), "203.0.113.7");
        assert_eq!(rule("::ffff:0:0/96").to_string(), "0.0.0.0/0");
    }

    #[test]
    fn v4_rule_never_matches_unmapped_v6_peer() {
        for r in ["0.0.0.0/0", "203.0.113.7", "0.0.0.0/32", "10.0.0.0/8"] {
            for peer in ["::", "::1", "2001:db8::1", "::cb00:7107", "::203.0.113.7", "64:ff9b::203.0.113.7"] {
                assert!(!rule(r).contains(ip(peer)), "{r} vs {peer}");
            }
        }
    }

    fn list(rules: &[&str]) -> AllowList {
        let mut list = AllowList::new();
        for r in rules {
            assert!(list.add(rule(r)).unwrap());
        }
        list
    }

    #[test]
    fn empty_list_permits_all() {
        let empty = AllowList::new();
        assert!(empty.is_empty() && empty.rules().is_empty());
        assert_eq!(empty.len(), 0);
        for peer in ["203.0.113.7", "2001:db8::1", "::ffff:1.2.3.4", "0.0.0.0"] {
            assert!(empty.permits(ip(peer)));
        }
        let list = list(&["203.0.113.7", "2001:db8::/32"]);
        assert!(list.permits(ip("203.0.113.7")) && list.permits(ip("2001:db8::5")));
        assert!(!list.permits(ip("203.0.113.8")) && !list.permits(ip("2001:db9::5")));
    }

    #[test]
    fn add_dedupes_and_remove_keeps_order() {
        let mut list = list(&["10.0.0.0/8", "203.0.113.7", "2001:db8::/32"]);
        assert!(!list.add(rule("203.0.113.7/32")).unwrap());
        assert!(!list.add(rule("::ffff:10.0.0.0/104")).unwrap());
        assert!(!list.add(rule("2001:0db8::/32")).unwrap());
        assert!(list.add(rule("10.1.0.0/16")).unwrap(), "overlapping rules are both kept");
        assert_eq!(list.len(), 4);
        assert!(list.remove(&rule("203.0.113.7")));
        assert!(!list.remove(&rule("203.0.113.7")));
        let shown: Vec<String> = list.rules().iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "2001:db8::/32", "10.1.0.0/16"]);
        assert!(!list.permits(ip("203.0.113.7")));
        for r in shown {
            assert!(list.remove(&rule(&r)));
        }
        assert!(list.is_empty() && list.permits(ip("203.0.113.7")));
    }

    #[test]
    fn at_most_256_rules() {
        let mut list = AllowList::new();
        for i in 0..MAX_RULES {
            let r = IpRule::host(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i as u32)));
            assert_eq!(list.add(r), Ok(true));
        }
        assert_eq!(list.len(), 256);
        assert_eq!(list.add(rule("10.0.0.5")), Ok(false), "a duplicate is not an error even when full");
        let refused = list.add(rule("192.0.2.1")).unwrap_err();
        assert_eq!(refused, AllowListError::TooMany("192.0.2.1".into()));
        assert_eq!(refused.to_string(), "'192.0.2.1': allow-list already holds the maximum of 256 rules");
        assert_eq!(list.len(), 256);
        assert!(list.remove(&rule("10.0.0.0")));
        assert_eq!(list.add(rule("192.0.2.1")), Ok(true));
    }

    #[test]
    fn errors_name_the_text_and_the_fault() {
        assert_eq!(err("10.0.0.0/33"), "'10.0.0.0/33': prefix length above 32 for IPv4");
        assert_eq!(err("2001:db8::/129"), "'2001:db8::/129': prefix length above 128 for IPv6");
        assert_eq!(err("10.0.0.0/999"), "'10.0.0.0/999': prefix length above 32 for IPv4");
        assert_eq!(err("10.1.2.3/8"), "'10.1.2.3/8': host bits set (did you mean 10.0.0.0/8?)");
        assert_eq!(err("2001:db8::1/32"), "'2001:db8::1/32': host bits set (did you mean 2001:db8::/32?)");
        assert_eq!(
            err("::ffff:10.1.2.3/104"),
            "'::ffff:10.1.2.3/104': host bits set (did you mean 10.0.0.0/8?)"
        );
        assert_eq!(err("0.0.0.1/0"), "'0.0.0.1/0': host bits set (did you mean 0.0.0.0/0?)");
        assert_eq!(err("abc"), "'abc': not an IP address or CIDR range");
        for bad in
            ["1.2.3", "1.2.3.4.5", "256.0.0.1", "010.0.0.1", "/8", "2001:db8:::1", "fe80::1%2", "[::1]"]
        {
            assert_eq!(err(bad), format!("'{bad}': not an IP address or CIDR range"));
        }
        assert_eq!(err(""), "empty string where an IP address was expected");
        assert_eq!("".parse::<IpRule>(), Err(AllowListError::Empty));
        assert_eq!(err("10.0.0.0 /8"), "'10.0.0.0 /8': contains whitespace");
        assert_eq!(err(" 10.0.0.0/8"), "' 10.0.0.0/8': contains whitespace");
        assert_eq!(err("10.0.0.0/8\n"), "'10.0.0.0/8\\n': contains whitespace");
        let long = format!("{}1", "0".repeat(64));
        assert_eq!(err(&long), format!("'{}...': longer than 64 bytes", "0".repeat(64)));
        assert!(matches!(long.parse::<IpRule>(), Err(AllowListError::TooLong(t)) if t.len() == 64));
        for bad in ["10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/x", "10.0.0.0/8/8", "10.0.0.0/-1"] {
            assert_eq!(err(bad), format!("'{bad}': prefix length after '/' must be a plain decimal number"));
        }
        // The longest valid text fits.
        let longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128";
        assert_eq!(rule(longest).to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        // Control characters are escaped in messages.
        assert_eq!(err("a\u{7}b"), "'a\\u{7}b': not an IP address or CIDR range");
        let e: Box<dyn std::error::Error> = Box::new(AllowListError::Empty);
        assert!(e.source().is_none());
    }

    #[test]
    fn new_checks_like_parse() {
        assert_eq!(IpRule::new(ip("10.0.0.0"), 8), Ok(rule("10.0.0.0/8")));
        assert_eq!(IpRule::new(ip("::ffff:10.0.0.0"), 104), Ok(rule("10.0.0.0/8")));
        assert_eq!(
            IpRule::new(ip("10.0.0.0"), 40).unwrap_err().to_string(),
            "'10.0.0.0/40': prefix length above 32 for IPv4"
        );
        assert_eq!(
            IpRule::new(ip("10.0.0.1"), 24).unwrap_err(),
            AllowListError::HostBitsSet { text: "10.0.0.1/24".into(), network: "10.0.0.0/24".into() }
        );
        assert_eq!(format!("{:?}", rule("10.0.0.0/8")), "IpRule(10.0.0.0/8)");
    }

    #[test]
    fn canonical_text_round_trips() {
        for (text, canonical) in [
            ("203.0.113.7", "203.0.113.7"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("2001:DB8::/32", "2001:db8::/32"),
            ("2001:db8:0:0:0:0:0:1/128", "2001:db8::1"),
            ("::1", "::1"),
            ("::/0", "::/0"),
            ("0.0.0.0/0", "0.0.0.0/0"),
        ] {
            let r = rule(text);
            assert_eq!(r.to_string(), canonical);
            assert_eq!(rule(canonical), r);
        }
    }

    #[test]
    fn serde_round_trip() {
        let r = rule("10.0.0.0/8");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"10.0.0.0/8\"");
        assert_eq!(serde_json::from_str::<IpRule>("\"10.0.0.0/8\"").unwrap(), r);

        let list = list(&["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "::1"]);
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, r#"["203.0.113.7","10.0.0.0/8","2001:db8::/32","::1"]"#);
        assert_eq!(serde_json::from_str::<AllowList>(&json).unwrap(), list);
        assert_eq!(serde_json::to_string(&AllowList::new()).unwrap(), "[]");
        assert!(serde_json::from_str::<AllowList>("[]").unwrap().is_empty());
        let merged =
            serde_json::from_str::<AllowList>(r#"["10.0.0.0/8","10.0.0.0/8","::ffff:10.0.0.0/104"]"#);
        assert_eq!(merged.unwrap().len(), 1);
    }

    #[test]
    fn serde_rejects_bad_rules() {
        let e = serde_json::from_str::<AllowList>(r#"["10.0.0.0/8","10.1.2.3/8"]"#).unwrap_err();
        assert!(e.to_string().contains("'10.1.2.3/8': host bits set (did you mean 10.0.0.0/8?)"), "{e}");
        let e = serde_json::from_str::<IpRule>(r#""abc""#).unwrap_err();
        assert!(e.to_string().contains("'abc': not an IP address or CIDR range"), "{e}");
        assert!(serde_json::from_str::<IpRule>("7").is_err());
        assert!(serde_json::from_str::<AllowList>(r#""10.0.0.0/8""#).is_err());
        assert!(serde_json::from_str::<AllowList>("[1]").is_err());
        let many: Vec<String> = (0..=MAX_RULES).map(|i| format!("10.0.{}.{}", i / 256, i % 256)).collect();
        let e = serde_json::from_str::<AllowList>(&serde_json::to_string(&many).unwrap()).unwrap_err();
        assert!(e.to_string().contains("maximum of 256 rules"), "{e}");
        let exactly: Vec<&String> = many.iter().take(MAX_RULES).collect();
        let ok = serde_json::from_str::<AllowList>(&serde_json::to_string(&exactly).unwrap()).unwrap();
        assert_eq!(ok.len(), MAX_RULES);
    }

    #[test]
    fn parse_peer_forms() {
        for (text, want) in [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("203.0.113.7:5001", "203.0.113.7"),
            ("[2001:db8::1]:5001", "2001:db8::1"),
            ("[::ffff:203.0.113.7]:0", "::ffff:203.0.113.7"),
            ("::ffff:203.0.113.7", "::ffff:203.0.113.7"),
            ("[fe80::1%2]:5001", "fe80::1"),
        ] {
            assert_eq!(parse_peer(text), Ok(ip(want)), "{text}");
        }
        let mapped = parse_peer("[::ffff:203.0.113.7]:5001").unwrap();
        assert!(list(&["203.0.113.0/24"]).permits(mapped));

        for bad in [
            "abc",
            "203.0.113.7:",
            "203.0.113.7:65536",
            "203.0.113.7:x",
            "[203.0.113.7]",
            "[203.0.113.7]:5001",
            "2001:db8::1:5001x",
            "[2001:db8::1",
            "2001:db8::1]",
            "[2001:db8::1]:",
            "10.0.0.0/8",
            "host.example:5001",
            "fe80::1%eth0",
        ] {
            let e = parse_peer(bad).unwrap_err();
            assert_eq!(e, AllowListError::NotAPeer(bad.into()), "{bad}");
            assert!(e.to_string().starts_with(&format!("'{bad}': not a peer address")), "{e}");
        }
        assert_eq!(parse_peer(""), Err(AllowListError::Empty));
        assert_eq!(parse_peer(" 203.0.113.7"), Err(AllowListError::Whitespace(" 203.0.113.7".into())));
        assert!(matches!(parse_peer(&"1".repeat(65)), Err(AllowListError::TooLong(_))));
        let longest = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%4294967295]:65535";
        assert_eq!(longest.len(), 64);
        assert_eq!(parse_peer(longest), Ok(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
    }
}
