//! Subnets of either family as numbers (ground floor): parsing, membership, overlap, and
//! the host addresses in them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{NetworkError, Result};

/// A subnet: base address, prefix length and the family's width (32 or 128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub(crate) base: u128,
    pub(crate) prefix: u32,
    pub(crate) bits: u32,
}

fn number(a: IpAddr) -> (u128, u32) {
    match a {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x::/n` (host bits may be set: see [`Cidr::parse_network`]).
    pub fn parse(cidr: &str) -> Result<Cidr> {
        let inv = |m: &str| NetworkError::Invalid {
            what: format!("subnet {cidr}"),
            message: m.into(),
        };
        let (a, p) = cidr
            .split_once('/')
            .ok_or_else(|| inv("expected CIDR form (10.89.0.0/24 or fd00::/64)"))?;
        let addr: IpAddr = a.parse().map_err(|_| inv("not an IP address"))?;
        let (base, bits) = number(addr);
        let prefix: u32 = p
            .parse()
            .ok()
            .filter(|p| *p <= bits)
            .ok_or_else(|| inv("bad prefix length"))?;
        Ok(Cidr { base, prefix, bits })
    }

    /// Parses a network's subnet: host bits must be zero and the prefix leave room for
    /// hosts (IPv4 8 to 30, IPv6 8 to 126).
    pub fn parse_network(cidr: &str) -> Result<Cidr> {
        let c = Self::parse(cidr)?;
        let inv = |m: &str| NetworkError::Invalid {
            what: format!("subnet {cidr}"),
            message: m.into(),
        };
        if !(8..=c.bits - 2).contains(&c.prefix) {
            return Err(inv(if c.bits == 32 {
                "the prefix must be 8 to 30"
            } else {
                "the prefix must be 8 to 126"
            }));
        }
        if c.base & !c.mask() != 0 {
            return Err(inv("host bits are set"));
        }
        Ok(c)
    }

    fn mask(&self) -> u128 {
        let all = if self.bits == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        all & !(all.checked_shr(self.prefix).unwrap_or(0))
    }

    /// Whether it is an IPv6 subnet.
    pub fn is_v6(&self) -> bool {
        self.bits == 128
    }

    /// How many addresses it spans.
    pub fn size(&self) -> u128 {
        1u128
            .checked_shl(self.bits - self.prefix)
            .unwrap_or(u128::MAX)
    }

    /// The address at number `n`.
    pub fn addr(&self, n: u128) -> IpAddr {
        if self.bits == 32 {
            IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(0)))
        } else {
            IpAddr::V6(Ipv6Addr::from(n))
        }
    }

    /// Where `a` lies in it, if it does.
    pub fn offset(&self, a: &IpAddr) -> Option<u128> {
        let (n, bits) = number(*a);
        if bits != self.bits {
            return None;
        }
        n.checked_sub(self.base).filter(|o| *o < self.size())
    }

    /// Whether offset `o` is a usable host address (not the network or, for IPv4, the
    /// broadcast address).
    pub fn usable(&self, o: u128) -> bool {
        o != 0 && (self.bits == 128 || o != self.size() - 1)
    }

    /// Whether `a` is a usable host address in it.
    pub fn contains_host(&self, a: &IpAddr) -> bool {
        self.offset(a).is_some_and(|o| self.usable(o))
    }

    /// Whether two subnets share an address.
    pub fn overlaps(&self, o: &Cidr) -> bool {
        if self.bits != o.bits {
            return false;
        }
        let p = self.prefix.min(o.prefix);
        let m = Cidr { prefix: p, ..*self }.mask();
        self.base & m == o.base & m
    }

    /// The first host address (the default gateway).
    pub fn first_host(&self) -> IpAddr {
        self.addr(self.base + 1)
    }

    /// The last address of the subnet.
    pub fn last(&self) -> IpAddr {
        self.addr(self.base + self.size() - 1)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(self.base), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_families() {
        let a = Cidr::parse_network("10.1.0.0/16").expect("v4");
        let b = Cidr::parse_network("10.1.2.0/24").expect("v4");
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(Cidr::parse_network("10.1.2.1/24").is_err(), "host bits");
        let v6 = Cidr::parse_network("fd00:9::/64").expect("v6");
        assert!(!v6.overlaps(&a));
        assert_eq!(v6.first_host().to_string(), "fd00:9::1");
        assert_eq!(v6.to_string(), "fd00:9::/64");
        assert!(v6.contains_host(&"fd00:9::ffff".parse().expect("ip")));
        assert_eq!(b.last().to_string(), "10.1.2.255");
        assert!(!b.contains_host(&"10.1.2.255".parse().expect("ip")));
    }
}
