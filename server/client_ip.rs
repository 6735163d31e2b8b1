//! Which address a request comes from. Behind a load balancer or reverse proxy every request
//! reaches the server from the proxy's address, and the client's address is in
//! `X-Forwarded-For`. That header is believed only when the request comes from a proxy the
//! operator named in `TRUSTED_PROXIES`; anybody else could write any address into it.

use std::fmt;
use std::net::IpAddr;

/// One address or network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or network such as 10.0.0.0/8"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("'{text}': the prefix length must be from 0 to {max}")),
            },
        };
        Ok(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.5`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed; empty by default (the header is ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Network::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the right-most
    /// address of `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
    /// address it received the request from, so the entries left of that one could be forged).
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = forwarded_for.unwrap_or("").split(',').rev();
        for hop in hops {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // Garbage in the header: stop at the last address we could read.
                return client;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn networks() {
        let n = Network::parse("10.0.0.0/8").expect("net");
        assert!(n.contains(ip("10.200.3.4")) && !n.contains(ip("11.0.0.1")));
        assert!(Network::parse("127.0.0.1")
            .expect("one")
            .contains(ip("::ffff:127.0.0.1")));
        assert!(Network::parse("fd00::/8").expect("v6").contains(ip("fd12::1")));
        assert!(Network::parse("0.0.0.0/0").expect("all").contains(ip("8.8.8.8")));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("proxy.local").is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("127.0.0.1"), Some("1.2.3.4")), ip("127.0.0.1"));
        let lb = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").expect("list");
        assert_eq!(lb.client(ip("10.0.0.2"), Some("1.2.3.4")), ip("1.2.3.4"));
        // A client that writes its own header cannot pick the address we read.
        assert_eq!(lb.client(ip("10.0.0.2"), Some("6.6.6.6, 1.2.3.4")), ip("1.2.3.4"));
        // Two proxies in a row: the first untrusted hop from the right.
        assert_eq!(lb.client(ip("10.0.0.2"), Some("1.2.3.4, 10.0.0.9")), ip("1.2.3.4"));
        assert_eq!(lb.client(ip("10.0.0.2"), None), ip("10.0.0.2"));
        assert_eq!(lb.client(ip("10.0.0.2"), Some("junk")), ip("10.0.0.2"));
        assert_eq!(lb.client(ip("8.8.8.8"), Some("1.2.3.4")), ip("8.8.8.8"));
    }
}
