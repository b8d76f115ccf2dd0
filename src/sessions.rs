//! SMTP session statistics, gathered while the scan parses: smtpd's
//! sessions (`connect from` paired with `disconnect from`), TLS sessions,
//! postscreen's verdicts and the DNS lists' answers; and, for the
//! findings, the messages accepted per client address and each address's
//! last login per account (smtpd's `client=` lines, one per message).
//!
//! On a busy server these lines are most of the log (a postscreen MX logs
//! five or six lines per connecting client), and the summary needs only
//! their counts, durations and distinct clients. Rows in the event frame
//! would cost every column of the frame for each of them (a 1.1 GB log
//! with 6 M session lines took 940 MB); these tallies take memory per
//! distinct client, hour and cipher instead. `--group-by` and `--parquet`
//! still see the lines as rows (the projection keeps them when asked).
//!
//! Each chunk of input gathers its own [`SessionStats`]; [`append`] joins
//! them in input order. A session whose `connect` is in one chunk and its
//! `disconnect` in the next is paired when the chunks are joined: a chunk
//! keeps the connects still open at its end and the disconnects it could
//! not pair, by smtpd process (host, pid; a process serves one client at a
//! time). The result is the same for any chunking.
//!
//! The sets of distinct clients and peers hold numbers ([`Names`]), each
//! name kept once: sets of the names themselves (one per 15-minute stretch)
//! took 25 MB on the 1.1 GB bench log.
//!
//! [`append`]: SessionStats::append

use std::collections::BTreeMap;
use std::fmt::Write;
use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use polars::prelude::{PlHashMap, PlHashSet, PlRandomState};

use crate::parse::{Event, EventKind, Micros};

/// Sessions are counted in 15-minute stretches of UTC: every zone's offset
/// is a multiple of 15 minutes, so each stretch falls in one local hour.
pub const STRETCH_MICROS: i64 = 15 * 60 * 1_000_000;

/// Sessions in one stretch, of one client, or of the whole input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub connections: u64,
    /// Seconds connected, summed and the longest.
    pub seconds: f64,
    pub longest: f64,
    /// Distinct clients (host name, or address without one), by their
    /// number in the statistics' [`Names`] ([`SessionStats::name`]).
    pub clients: PlHashSet<u32>,
}

impl Tally {
    fn add(&mut self, seconds: f64, client: u32) {
        self.connections += 1;
        self.seconds += seconds;
        self.longest = self.longest.max(seconds);
        self.clients.insert(client);
    }

    /// Adds `other`'s sessions, of the same statistics (distinct clients
    /// are joined).
    pub fn merge(&mut self, other: &Tally) {
        self.join(other, &|client| client);
    }

    /// Adds `other`'s sessions, its clients renumbered by `number`.
    fn join(&mut self, other: &Tally, number: &dyn Fn(u32) -> u32) {
        self.connections += other.connections;
        self.seconds += other.seconds;
        self.longest = self.longest.max(other.longest);
        self.clients
            .extend(other.clients.iter().map(|&client| number(client)));
    }

    /// Seconds per session.
    pub fn average(&self) -> f64 {
        if self.connections == 0 {
            0.0
        } else {
            self.seconds / self.connections as f64
        }
    }
}

/// Events of one TLS or postscreen group: how many, from how many peers,
/// first and last.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub count: u64,
    /// Distinct peers, by their number in [`Names`].
    pub peers: PlHashSet<u32>,
    pub first: Micros,
    pub last: Micros,
}

impl Group {
    fn new(ts: Micros) -> Group {
        Group {
            count: 0,
            peers: PlHashSet::default(),
            first: ts,
            last: ts,
        }
    }

    fn add(&mut self, ts: Micros, peer: Option<u32>) {
        self.count += 1;
        self.first = self.first.min(ts);
        self.last = self.last.max(ts);
        self.peers.extend(peer);
    }

    /// Adds `other`'s events, its peers renumbered by `numbers`.
    fn join(&mut self, other: &Group, numbers: &[u32]) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.peers
            .extend(other.peers.iter().map(|&peer| numbers[peer as usize]));
    }
}

/// Client names and peer addresses, each kept once, by number.
#[derive(Clone, Debug, Default)]
pub struct Names {
    list: Vec<Box<str>>,
    /// Numbers in `list`, hashed by the name they stand for.
    index: HashTable<u32>,
    hasher: PlRandomState,
}

impl Names {
    /// `name`'s number, given it if new.
    fn number(&mut self, name: &str) -> u32 {
        let Names {
            list,
            index,
            hasher,
        } = self;
        let hash = hasher.hash_one(name);
        let entry = index.entry(
            hash,
            |&n| &*list[n as usize] == name,
            |&n| hasher.hash_one(&*list[n as usize]),
        );
        match entry {
            Entry::Occupied(found) => *found.get(),
            Entry::Vacant(room) => {
                let number = u32::try_from(list.len()).expect("fewer than 2^32 names");
                list.push(name.into());
                room.insert(number);
                number
            }
        }
    }

    fn get(&self, number: u32) -> &str {
        &self.list[number as usize]
    }
}

/// A TLS session's kind: direction (`inbound` for smtpd and tlsproxy,
/// `outbound` for smtp and lmtp), trust level, protocol, cipher, bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TlsKey {
    pub direction: &'static str,
    pub level: String,
    pub protocol: String,
    pub cipher: String,
    pub bits: Option<u16>,
}

/// A postscreen verdict (`PASS OLD`, `DNSBL`, `HANGUP`, …), or dnsblog's
/// `listed` with the list that named the client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VerdictKey {
    pub action: String,
    pub dnsbl: Option<String>,
}

/// An smtpd process: host and pid.
type Process = (String, u32);

/// The session statistics of a stretch of input.
#[derive(Clone, Debug, Default)]
pub struct SessionStats {
    /// smtpd sessions by the stretch of their disconnect (pflogsumm counts
    /// a session in the hour it ended): `ts.div_euclid(STRETCH_MICROS)`.
    pub stretches: BTreeMap<i64, Tally>,
    /// By client number ([`SessionStats::name`]).
    pub by_client: PlHashMap<u32, Tally>,
    pub all: Tally,
    /// Messages accepted (smtpd's `client=` lines) per client address, by
    /// its number: gathered when asked ([`Projection::with_accepted_clients`]).
    ///
    /// [`Projection::with_accepted_clients`]: crate::frame::Projection::with_accepted_clients
    accepted: PlHashMap<u32, u64>,
    /// When each client address last authenticated as each account (a
    /// `client=` line with `sasl_username=`): address and account by
    /// number. Gathered with `accepted`.
    authenticated: PlHashMap<(u32, u32), Micros>,
    /// By [`TlsKey`] and [`VerdictKey`], looked up by their fields joined
    /// with NUL in a reused buffer: a line allocates only for a new group.
    tls: PlHashMap<String, (TlsKey, Group)>,
    verdicts: PlHashMap<String, (VerdictKey, Group)>,
    /// Connects whose disconnect is not in the input (open at its end, or
    /// the process died), disconnects whose connect is not (the session
    /// began before it). Final after the last [`SessionStats::append`].
    pub unpaired_connects: u64,
    pub unpaired_disconnects: u64,
    /// Connects not yet paired, by process: the connect time.
    open: PlHashMap<(u16, u32), Micros>,
    /// Processes that connected in this stretch: a disconnect of one of
    /// them with no open connect lost its connect here; of another, it may
    /// pair with a connect before the stretch.
    seen: PlHashSet<(u16, u32)>,
    /// The hosts of `open`'s keys, by index (a log has one or a few).
    hosts: Vec<String>,
    /// Disconnects with no connect before them in this stretch, in input
    /// order: the previous stretch may hold it.
    early: Vec<(Process, Micros, String)>,
    /// Reused buffer for the lookup keys.
    scratch: String,
    /// The clients and peers of the tallies and groups.
    names: Names,
}

impl SessionStats {
    /// The kinds [`SessionStats::add`] reads.
    pub const KINDS: &'static [EventKind] = &[
        EventKind::Connect,
        EventKind::Disconnect,
        EventKind::Tls,
        EventKind::Postscreen,
    ];

    /// Takes in one event (of any kind; only [`Self::KINDS`] and smtpd's
    /// `client=` lines count), in input order.
    pub fn add(&mut self, event: &Event<'_>) {
        match event.kind {
            EventKind::Connect if event.daemon == "smtpd" => {
                let process = (self.host_index(event.host), event.pid.unwrap_or(0));
                // A second connect of a process before its disconnect: the
                // first session's end is not in the log (the process was
                // killed).
                if self.open.insert(process, event.ts).is_some() {
                    self.unpaired_connects += 1;
                }
                self.seen.insert(process);
            }
            EventKind::Disconnect if event.daemon == "smtpd" => {
                let client = client_of(event.client_name, event.client_ip);
                let process = (self.host_index(event.host), event.pid.unwrap_or(0));
                match self.open.remove(&process) {
                    Some(started) => self.count_session(started, event.ts, client),
                    None if self.seen.contains(&process) => self.unpaired_disconnects += 1,
                    None => self.early.push((
                        (event.host.to_string(), process.1),
                        event.ts,
                        client.to_string(),
                    )),
                }
            }
            EventKind::Tls => {
                let (direction, peer) = match event.daemon {
                    "smtp" | "lmtp" => ("outbound", event.relay_host.or(event.relay_ip)),
                    _ => ("inbound", event.client_ip),
                };
                let peer = peer.map(|p| self.names.number(p));
                let (level, protocol, cipher) = (
                    event.tls_level.unwrap_or(""),
                    event.tls_protocol.unwrap_or(""),
                    event.tls_cipher.unwrap_or(""),
                );
                self.scratch.clear();
                for part in [direction, level, protocol, cipher] {
                    self.scratch.push_str(part);
                    self.scratch.push('\0');
                }
                if let Some(bits) = event.tls_bits {
                    // No allocation: the buffer has room after the first lines.
                    let _ = write!(self.scratch, "{bits}");
                }
                let group = match self.tls.get_mut(self.scratch.as_str()) {
                    Some((_, group)) => group,
                    None => {
                        let key = TlsKey {
                            direction,
                            level: level.to_string(),
                            protocol: protocol.to_string(),
                            cipher: cipher.to_string(),
                            bits: event.tls_bits,
                        };
                        let entry = (key, Group::new(event.ts));
                        &mut self.tls.entry(self.scratch.clone()).or_insert(entry).1
                    }
                };
                group.add(event.ts, peer);
            }
            EventKind::Client => {
                if let Some(ip) = event.client_ip {
                    let client = self.names.number(ip);
                    *self.accepted.entry(client).or_default() += 1;
                    if let Some(user) = event.sasl_username.filter(|u| !u.is_empty()) {
                        let user = self.names.number(user);
                        self.logged_in(client, user, event.ts);
                    }
                }
            }
            EventKind::Postscreen => {
                let action = event.action.unwrap_or("");
                let peer = event.client_ip.map(|p| self.names.number(p));
                self.scratch.clear();
                self.scratch.push_str(action);
                if let Some(dnsbl) = event.dnsbl {
                    self.scratch.push('\0');
                    self.scratch.push_str(dnsbl);
                }
                let group = match self.verdicts.get_mut(self.scratch.as_str()) {
                    Some((_, group)) => group,
                    None => {
                        let key = VerdictKey {
                            action: action.to_string(),
                            dnsbl: event.dnsbl.map(str::to_string),
                        };
                        let entry = (key, Group::new(event.ts));
                        &mut self.verdicts.entry(self.scratch.clone()).or_insert(entry).1
                    }
                };
                group.add(event.ts, peer);
            }
            _ => {}
        }
    }

    /// Joins the statistics of the input that follows `self`'s.
    pub fn append(&mut self, mut later: SessionStats) {
        // `later`'s names by their number here.
        let numbers: Vec<u32> = later
            .names
            .list
            .iter()
            .map(|name| self.names.number(name))
            .collect();
        let number = |n: u32| numbers[n as usize];
        // `later`'s first disconnects of a process close `self`'s open
        // sessions.
        for ((host, pid), ts, client) in std::mem::take(&mut later.early) {
            let process = (self.host_index(&host), pid);
            match self.open.remove(&process) {
                Some(started) => self.count_session(started, ts, &client),
                None if self.seen.contains(&process) => self.unpaired_disconnects += 1,
                // Nothing of this process yet: its connect may be before.
                None => self.early.push(((host, pid), ts, client)),
            }
        }
        for ((host, pid), ts) in std::mem::take(&mut later.open) {
            let process = (self.host_index(&later.hosts[usize::from(host)]), pid);
            if self.open.insert(process, ts).is_some() {
                self.unpaired_connects += 1;
            }
        }
        for (host, pid) in std::mem::take(&mut later.seen) {
            let process = (self.host_index(&later.hosts[usize::from(host)]), pid);
            self.seen.insert(process);
        }
        for (stretch, tally) in later.stretches {
            self.stretches
                .entry(stretch)
                .or_default()
                .join(&tally, &number);
        }
        for (client, tally) in later.by_client {
            self.by_client
                .entry(number(client))
                .or_default()
                .join(&tally, &number);
        }
        self.all.join(&later.all, &number);
        for (client, messages) in later.accepted {
            *self.accepted.entry(number(client)).or_default() += messages;
        }
        for ((client, user), ts) in later.authenticated {
            self.logged_in(number(client), number(user), ts);
        }
        join_groups(&mut self.tls, later.tls, &numbers);
        join_groups(&mut self.verdicts, later.verdicts, &numbers);
        self.unpaired_connects += later.unpaired_connects;
        self.unpaired_disconnects += later.unpaired_disconnects;
    }

    /// At the end of the input: what is still open or was never opened is
    /// unpaired.
    pub fn finish(&mut self) {
        self.unpaired_connects += self.open.len() as u64;
        self.unpaired_disconnects += self.early.len() as u64;
        self.open.clear();
        self.early.clear();
    }

    /// TLS sessions by kind.
    pub fn tls(&self) -> impl Iterator<Item = (&TlsKey, &Group)> {
        self.tls.values().map(|(key, group)| (key, group))
    }

    /// postscreen verdicts and DNS list answers.
    pub fn verdicts(&self) -> impl Iterator<Item = (&VerdictKey, &Group)> {
        self.verdicts.values().map(|(key, group)| (key, group))
    }

    /// Messages accepted per client address (`client=` lines), if the
    /// projection asked ([`crate::frame::Projection::with_accepted_clients`]).
    pub fn accepted(&self) -> impl Iterator<Item = (&str, u64)> {
        self.accepted
            .iter()
            .map(|(&client, &messages)| (self.names.get(client), messages))
    }

    /// When each client address last authenticated as each account
    /// (address, account, time), gathered with [`SessionStats::accepted`].
    pub fn authenticated(&self) -> impl Iterator<Item = (&str, &str, Micros)> {
        self.authenticated
            .iter()
            .map(|(&(client, user), &ts)| (self.names.get(client), self.names.get(user), ts))
    }

    /// The name of a client or peer of the tallies and groups.
    pub fn name(&self, number: u32) -> &str {
        self.names.get(number)
    }

    /// Client `client` authenticated as `user` at `ts`: the last time is kept.
    fn logged_in(&mut self, client: u32, user: u32, ts: Micros) {
        let last = self.authenticated.entry((client, user)).or_insert(ts);
        *last = (*last).max(ts);
    }

    fn count_session(&mut self, started: Micros, ended: Micros, client: &str) {
        let seconds = (ended - started).max(0) as f64 / 1e6;
        let client = self.names.number(client);
        self.all.add(seconds, client);
        self.stretches
            .entry(ended.div_euclid(STRETCH_MICROS))
            .or_default()
            .add(seconds, client);
        self.by_client
            .entry(client)
            .or_default()
            .add(seconds, client);
    }

    fn host_index(&mut self, host: &str) -> u16 {
        match self.hosts.iter().position(|h| h == host) {
            Some(i) => i as u16,
            None => {
                self.hosts.push(host.to_string());
                (self.hosts.len() - 1) as u16
            }
        }
    }
}

/// Joins `later`'s TLS or postscreen groups into `groups`, their peers
/// renumbered by `numbers`.
fn join_groups<K>(
    groups: &mut PlHashMap<String, (K, Group)>,
    later: PlHashMap<String, (K, Group)>,
    numbers: &[u32],
) {
    for (lookup, (key, group)) in later {
        let (_, joined) = groups
            .entry(lookup)
            .or_insert_with(|| (key, Group::new(group.first)));
        joined.join(&group, numbers);
    }
}

/// A client as the tables name it: its host name, or its address when the
/// name is `unknown`.
fn client_of<'a>(name: Option<&'a str>, ip: Option<&'a str>) -> &'a str {
    match name {
        Some(name) if name != "unknown" => name,
        _ => ip.or(name).unwrap_or("unknown"),
    }
}
