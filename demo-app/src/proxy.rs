//! Who the client is: the connection's peer address, or, when that peer is a trusted
//! reverse proxy, the address the proxy reports in `X-Forwarded-For` or `Forwarded`.
//!
//! Forwarding headers are read only from peers listed in `--trusted-proxies`, and from the
//! right: each trusted hop appends the address it received the request from, so the
//! rightmost address that is not itself a trusted proxy is the client. Anything left of it
//! was written by the client and is ignored. An entry that is not an address (`unknown`,
//! an obfuscated identifier, garbage) ends the walk at the last hop known.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap, HeaderName};

/// An address block: an address and a prefix length (`10.0.0.0/8`, `::1/128`); a bare
/// address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` is in the block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?
            .to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A comma-separated list of [`IpNet`]s (`127.0.0.1,10.0.0.0/8`); empty items are
/// ignored, so an empty list is no list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyList(pub Vec<IpNet>);

impl FromStr for ProxyList {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .filter(|item| !item.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// Which forwarding header trusted proxies set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    #[value(name = "x-forwarded-for")]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    #[value(name = "forwarded")]
    Forwarded,
}

/// The reverse proxies whose forwarding header is believed, kept in the app's data.
/// Without it (or with no blocks) the client is always the peer.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// Trusts `nets`, reading `header` from them.
    pub fn new(nets: Vec<IpNet>, header: ProxyHeader) -> Self {
        Self { nets, header }
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(ip))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// How many blocks are trusted.
    pub fn len(&self) -> usize {
        self.nets.len()
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let (name, node): (HeaderName, fn(&str) -> Option<&str>) = match self.header {
            ProxyHeader::XForwardedFor => (HeaderName::from_static("x-forwarded-for"), |entry| {
                Some(entry)
            }),
            ProxyHeader::Forwarded => (header::FORWARDED, forwarded_for),
        };
        let mut entries: Vec<&str> = Vec::new();
        for value in headers.get_all(name) {
            let Ok(value) = value.to_str() else {
                // Not text: nothing in it can be believed, nor anything left of it.
                entries.clear();
                continue;
            };
            entries.extend(value.split(','));
        }
        let mut client = peer;
        for entry in entries.iter().rev() {
            match node(entry).and_then(parse_node) {
                Some(ip) => {
                    client = ip;
                    if !self.contains(ip) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        return ip.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
    }
    let (ip, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The client address of `req`: its peer, or what a trusted proxy reports (see the module
/// docs). `0.0.0.0` when the request has no peer (only in-process test requests lack one).
pub fn client_addr(req: &HttpRequest) -> IpAddr {
    let Some(peer) = req.peer_addr() else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    match req.app_data::<TrustedProxies>() {
        Some(proxies) => proxies.client(peer.ip(), req.headers()),
        None => peer.ip().to_canonical(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn trusted(nets: &[&str], header: ProxyHeader) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect(), header)
    }

    #[test]
    fn blocks_parse_and_contain() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.255.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(
            net.contains(ip("::ffff:10.1.0.9")),
            "IPv4-mapped counts as IPv4"
        );
        let one: IpNet = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")) && !all.contains(ip("::2")));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x", ""] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_parse_and_may_be_empty() {
        let list: ProxyList = "127.0.0.1, 10.0.0.0/8,".parse().unwrap();
        assert_eq!(list.0.len(), 2);
        assert_eq!("".parse::<ProxyList>().unwrap(), ProxyList::default());
        assert!("127.0.0.1,nope".parse::<ProxyList>().is_err());
    }

    #[test]
    fn untrusted_peers_are_the_client() {
        let proxies = trusted(&["10.0.0.1"], ProxyHeader::XForwardedFor);
        let map = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &map), ip("10.0.0.2"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &map),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8"], ProxyHeader::XForwardedFor);
        // The client forged the first entry; the proxies appended the rest.
        let map = headers("x-forwarded-for", &["6.6.6.6, 1.2.3.4", "10.0.0.7"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &map), ip("1.2.3.4"));
        let map = headers("x-forwarded-for", &["1.2.3.4:5555"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &map), ip("1.2.3.4"));
        let map = headers("x-forwarded-for", &["[2001:db8::1]:80"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &map), ip("2001:db8::1"));
        // Garbage stops the walk at the last hop known.
        let map = headers("x-forwarded-for", &["1.2.3.4, unknown"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &map), ip("10.0.0.1"));
        // No header: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Only trusted hops: the leftmost.
        let map = headers("x-forwarded-for", &["10.0.0.9, 10.0.0.8"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &map), ip("10.0.0.9"));
    }

    #[test]
    fn forwarded_is_read_when_configured() {
        let proxies = trusted(&["127.0.0.1"], ProxyHeader::Forwarded);
        let map = headers(
            "forwarded",
            &[r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=http;by=127.0.0.1"#],
        );
        assert_eq!(
            proxies.client(ip("127.0.0.1"), &map),
            ip("2001:db8:cafe::17")
        );
        let map = headers("forwarded", &["proto=https;FOR=192.0.2.60"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &map), ip("192.0.2.60"));
        let map = headers("forwarded", &["for=_hidden"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &map), ip("127.0.0.1"));
        // X-Forwarded-For is not read in this mode.
        let map = headers("x-forwarded-for", &["1.2.3.4"]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &map), ip("127.0.0.1"));
    }
}
