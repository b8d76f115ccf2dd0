//! Small pieces of Postfix's log grammar shared by several daemons: queue ids,
//! `name[addr]:port`, `<address>`, SMTP replies, `key=value` lists, and the
//! `from=<…> to=<…> proto=… helo=<…>` trailer of policy actions.

use std::sync::LazyLock;

use memchr::memmem;

/// A fixed text searched for in many lines, with its searchers built once:
/// `str::find` and `split_once` build a substring searcher on every call,
/// which cost more than the search itself on log lines. Declared with
/// [`needle!`].
pub struct Needle {
    pub text: &'static str,
    pub forward: LazyLock<memmem::Finder<'static>>,
    pub backward: LazyLock<memmem::FinderRev<'static>>,
}

/// `needle!(NAME = "text")` declares a `static NAME: Needle`.
macro_rules! needle {
    ($(#[$doc:meta])* $name:ident = $text:literal) => {
        $(#[$doc])*
        static $name: $crate::parse::fields::Needle = $crate::parse::fields::Needle {
            text: $text,
            forward: ::std::sync::LazyLock::new(|| ::memchr::memmem::Finder::new($text)),
            backward: ::std::sync::LazyLock::new(|| ::memchr::memmem::FinderRev::new($text)),
        };
    };
}
pub(crate) use needle;

impl Needle {
    /// Where the text first occurs in `haystack`.
    #[inline]
    pub fn find(&self, haystack: &str) -> Option<usize> {
        self.forward.find(haystack.as_bytes())
    }

    /// `haystack` split around the first occurrence of the text.
    #[inline]
    pub fn split_once<'h>(&self, haystack: &'h str) -> Option<(&'h str, &'h str)> {
        let at = self.find(haystack)?;
        // The text is UTF-8 and matched byte for byte: `at` and its end lie
        // on character boundaries.
        Some((&haystack[..at], &haystack[at + self.text.len()..]))
    }

    /// `haystack` split around the last occurrence of the text.
    #[inline]
    pub fn rsplit_once<'h>(&self, haystack: &'h str) -> Option<(&'h str, &'h str)> {
        let at = self.backward.rfind(haystack.as_bytes())?;
        Some((&haystack[..at], &haystack[at + self.text.len()..]))
    }
}

/// Splits a leading `QID: ` (or `NOQUEUE: `) off a message.
///
/// Classic ids are upper-case hex; long ids (`enable_long_queue_ids`) use a
/// base-52 alphabet without vowels and contain a `z`, so ordinary words such
/// as `reject:` or `warning:` are never mistaken for one.
pub fn split_queue_id(message: &str) -> (Option<&str>, &str) {
    // A queue id ends at the first `:`, before any space; most messages
    // (`connect from …`) have a space first. One SIMD search finds which.
    let b = message.as_bytes();
    let end = match memchr::memchr2(b':', b' ', b) {
        Some(end) if b[end] == b':' && end <= LONGEST_QUEUE_ID => end,
        _ => return (None, message),
    };
    let mut shape = QueueIdShape::default();
    for &c in &b[..end] {
        let class = QUEUE_ID_BYTES[usize::from(c)];
        if class == 0 {
            return (None, message);
        }
        shape.add(c, class);
    }
    if !shape.is_queue_id(&b[..end]) {
        return (None, message);
    }
    let rest = &message[end + 1..];
    (Some(&message[..end]), rest.trim_start_matches(' '))
}

/// [`QUEUE_ID_BYTES`] classes.
const HEX: u8 = 1;
const LONG_ID: u8 = 2;
const OTHER_ALNUM: u8 = 4;

/// Per byte: `HEX` for `0-9A-F`, `LONG_ID` for the long-id alphabet
/// (alphanumerics without vowels), `OTHER_ALNUM` for the vowels; 0 for what
/// cannot be in a queue id.
const QUEUE_ID_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            let vowel = matches!(
                b,
                b'a' | b'e' | b'i' | b'o' | b'u' | b'A' | b'E' | b'I' | b'O' | b'U'
            );
            let hex = b.is_ascii_digit() || matches!(b, b'A'..=b'F');
            table[c] = if vowel { OTHER_ALNUM } else { LONG_ID };
            if hex {
                table[c] |= HEX;
            }
        }
        c += 1;
    }
    table
};

/// What a token's bytes allow it to be, gathered byte by byte.
#[derive(Clone, Copy)]
struct QueueIdShape {
    all_hex: bool,
    all_long_id: bool,
    has_z: bool,
}

impl Default for QueueIdShape {
    fn default() -> Self {
        QueueIdShape {
            all_hex: true,
            all_long_id: true,
            has_z: false,
        }
    }
}

impl QueueIdShape {
    fn add(&mut self, byte: u8, class: u8) {
        self.all_hex &= class & HEX != 0;
        self.all_long_id &= class & LONG_ID != 0;
        self.has_z |= byte == b'z';
    }

    /// Classic ids are upper-case hex; long ids use a base-52 alphabet
    /// without vowels and contain a `z`.
    fn is_queue_id(self, token: &[u8]) -> bool {
        if (5..=LONGEST_QUEUE_ID).contains(&token.len())
            && (self.all_hex || (self.all_long_id && self.has_z))
        {
            return true;
        }
        token == b"NOQUEUE"
    }
}

/// Long queue ids are at most this long.
const LONGEST_QUEUE_ID: usize = 24;

pub fn is_queue_id(token: &str) -> bool {
    let mut shape = QueueIdShape::default();
    for &c in token.as_bytes() {
        let class = QUEUE_ID_BYTES[usize::from(c)];
        if class == 0 {
            return false;
        }
        shape.add(c, class);
    }
    shape.is_queue_id(token.as_bytes())
}

/// A peer as Postfix writes it: `name[addr]`, `name[addr]:port`,
/// `[addr]:port` (postscreen) or `name[private/socket]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peer<'a> {
    pub name: Option<&'a str>,
    pub addr: Option<&'a str>,
    pub port: Option<u16>,
}

/// Parses a peer at the start of `s`; returns it and the rest after it.
///
/// Peers are short and this runs on most lines of a busy server (connect,
/// disconnect, TLS): [`find_byte`] and [`find_byte2`], not `memchr`, whose
/// setup costs more than scanning a few dozen bytes. Inlined: returned
/// through the stack, the peer was written a word at a time and read back
/// two at a time, which the processor cannot forward from its store buffer
/// (a stall per call).
#[inline(always)]
pub fn peer(s: &str) -> Option<(Peer<'_>, &str)> {
    let b = s.as_bytes();
    // The first `[`, with no space before it.
    let open = find_byte2(b, b'[', b' ')?;
    if b[open] != b'[' {
        return None;
    }
    let close = open + 1 + find_byte(b.get(open + 1..)?, b']')?;
    // `get`, not `&s[..]`: the bytes found are ASCII, on character
    // boundaries, and indexing a `str` was an out-of-line call here.
    let name = if open > 0 { Some(s.get(..open)?) } else { None };
    let addr = s.get(open + 1..close)?;
    let mut end = close + 1;
    let mut port = None;
    if b.get(end) == Some(&b':') {
        // The rest starts after all the digits, a port or not.
        let (digits, after) = port_digits(b, end + 1);
        if after > end + 1 {
            port = digits;
            end = after;
        }
    }
    Some((
        Peer {
            name,
            addr: Some(addr),
            port,
        },
        s.get(end..)?,
    ))
}

/// ASCII digits as a port number: `None` if they are more than a `u16`.
/// (`str::parse` checks for a sign and overflow digit by digit.)
#[inline]
pub fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u32, |v, &d| v * 10 + u32::from(d.wrapping_sub(b'0')));
    u16::try_from(value).ok()
}

/// The digits at `start` of `b`: the port they make if they are one to five
/// and fit a `u16` (as [`parse_port`] reads it), and where they end. The
/// value is read as the digits are scanned (one pass; peers and postscreen
/// clients are on most lines of a busy server).
#[inline(always)]
pub fn port_digits(b: &[u8], start: usize) -> (Option<u16>, usize) {
    let mut at = start;
    let mut value = 0u32;
    while let Some(&c) = b.get(at) {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if at - start < 5 {
            value = value * 10 + u32::from(digit);
        }
        at += 1;
    }
    let port = match at - start {
        1..=5 => u16::try_from(value).ok(),
        _ => None,
    };
    (port, at)
}

/// Whether `s` is one or more ASCII digits.
#[inline]
pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `s` as a `u16`, as `s.parse::<u16>()` reads it (an optional `+`, then
/// digits, leading zeros allowed) without its generic overflow and sign
/// handling.
#[inline]
pub fn parse_u16(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let digits = match b {
        [b'+', rest @ ..] => rest,
        _ => b,
    };
    if digits.is_empty() {
        return None;
    }
    let mut value = 0u32;
    for &c in digits {
        let digit = c.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u32::from(digit);
        if value > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(value).ok()
}

/// `s` without `prefix`, if it starts with it. For the words that decide
/// the most frequent lines: the compare is inlined, eight bytes at a time
/// ([`starts_with_bytes`]), where `str::strip_prefix` calls `memcmp`.
#[inline(always)]
pub fn strip<'a, const N: usize>(s: &'a str, prefix: &[u8; N]) -> Option<&'a str> {
    if starts_with_bytes(s.as_bytes(), prefix) {
        // The prefix is ASCII (or whole UTF-8): `N` is a character boundary.
        s.get(N..)
    } else {
        None
    }
}

/// Whether `s` starts with `prefix`: `N` is known at compile time, so the
/// loops unroll into a few word compares.
#[inline(always)]
pub fn starts_with_bytes<const N: usize>(s: &[u8], prefix: &[u8; N]) -> bool {
    let Some(head) = s.first_chunk::<N>() else {
        return false;
    };
    let word = |b: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let mut diff = 0u64;
    let mut at = 0;
    while at + 8 <= N {
        diff |= word(head, at) ^ word(prefix, at);
        at += 8;
    }
    while at < N {
        diff |= u64::from(head[at] ^ prefix[at]);
        at += 1;
    }
    diff == 0
}

/// Where `needle` first occurs in `haystack`. The first 32 bytes are
/// searched eight at a time in registers (SWAR), without a branch per byte
/// and without a call: they hold the addresses, ports and words of a log
/// line's fields. Beyond them, `memchr`.
#[inline(always)]
pub fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    find_bytes(
        haystack,
        |word| zero_bytes(word ^ repeat(needle)),
        |c| c == needle,
        || memchr::memchr(needle, haystack),
    )
}

/// Where `a` or `b` first occurs in `haystack` ([`find_byte`] for two).
#[inline(always)]
pub fn find_byte2(haystack: &[u8], a: u8, b: u8) -> Option<usize> {
    // Each mask flags its first match exactly (and may flag bytes after
    // it): the lowest flag of both is the first match of either.
    find_bytes(
        haystack,
        |word| zero_bytes(word ^ repeat(a)) | zero_bytes(word ^ repeat(b)),
        |c| c == a || c == b,
        || memchr::memchr2(a, b, haystack),
    )
}

/// The search of [`find_byte`] and [`find_byte2`]: `flags` marks the
/// matches of a word (exactly the lowest one), `matches` tells a byte,
/// `beyond` searches the whole haystack with `memchr` when the match is not
/// in the first [`SWAR_BYTES`].
///
/// A stretch shorter than a word at the end (the last field of a line,
/// such as a DNS reply or a port) is searched as the haystack's last eight
/// bytes, which overlap bytes already searched: those hold no match, so the
/// lowest flag is still the first match. Before, it was a `memchr` call,
/// whose setup cost more than the search.
#[inline(always)]
fn find_bytes(
    haystack: &[u8],
    flags: impl Fn(u64) -> u64,
    matches: impl Fn(u8) -> bool,
    beyond: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    let len = haystack.len();
    if len < 8 {
        return haystack.iter().position(|&c| matches(c));
    }
    let mut at = 0;
    while at < SWAR_BYTES && at + 8 <= len {
        let found = flags(word_at(haystack, at));
        if found != 0 {
            return Some(at + lowest_flag(found));
        }
        at += 8;
    }
    if len - at < 8 {
        if at == len {
            return None;
        }
        let last = len - 8;
        let found = flags(word_at(haystack, last));
        return (found != 0).then(|| last + lowest_flag(found));
    }
    beyond()
}

/// Where `needle` last occurs in `haystack`: eight bytes at a time from
/// the end, in registers, then the bytes before the first word. For short
/// texts such as a program name (`postfix/postscreen`), where the match is
/// within the last word or two.
#[inline]
pub fn rfind_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    let mut end = haystack.len();
    while end >= 8 {
        let found = exact_zero_bytes(word_at(haystack, end - 8) ^ repeat(needle));
        if found != 0 {
            return Some(end - 8 + (63 - found.leading_zeros() as usize) / 8);
        }
        end -= 8;
    }
    haystack[..end].iter().rposition(|&c| c == needle)
}

/// The high bit of each zero byte of `x` set, and of no other byte: no
/// carry crosses a byte, so the highest flag is exact too (unlike
/// [`zero_bytes`]).
#[inline(always)]
fn exact_zero_bytes(x: u64) -> u64 {
    let low = repeat(0x7f);
    !(((x & low) + low) | x) & repeat(0x80)
}

/// How far [`find_byte`] searches in registers.
const SWAR_BYTES: usize = 32;

/// The eight bytes at `at` (`at + 8 <= haystack.len()`), little-endian:
/// byte `at` is the lowest.
#[inline(always)]
fn word_at(haystack: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&haystack[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The byte index of the lowest flag of a [`zero_bytes`] mask.
#[inline(always)]
fn lowest_flag(found: u64) -> usize {
    found.trailing_zeros() as usize / 8
}

#[inline(always)]
fn repeat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// The high bit of each zero byte of `x` set: exact for the lowest zero
/// byte; bytes above it may be flagged falsely, never below.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(repeat(1)) & !x & repeat(0x80)
}

/// `s` split around its first space ([`find_byte`]: the words of a log line
/// are short, and `split_once(' ')` calls a search whose setup costs more
/// than scanning them).
#[inline(always)]
pub fn split_word(s: &str) -> Option<(&str, &str)> {
    let at = find_byte(s.as_bytes(), b' ')?;
    // Checked splits, not `&s[..at]`: indexing a `str` was an out-of-line
    // call in the large parsers this is inlined into.
    let (word, rest) = s.split_at_checked(at)?;
    Some((word, rest.get(1..)?))
}

/// An SMTP reply split into code, enhanced status code and text:
/// `550 5.1.1 <x@y>: Recipient address rejected: …`, `4.7.1 Greylisting …`
/// (milters may omit the code), `554 Service unavailable` (no enhanced code),
/// and the multi-line `550-5.7.26 …` form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reply<'a> {
    pub code: Option<u16>,
    pub enhanced: Option<&'a str>,
    pub address: Option<&'a str>,
    /// Text after code, enhanced code and `<address>: `.
    pub reason: &'a str,
}

needle!(ADDRESS_END = ">:");

pub fn reply(text: &str) -> Reply<'_> {
    let mut rest = text.trim_start_matches(' ');
    let mut reply = Reply::default();
    let b = rest.as_bytes();
    if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && (b[3] == b' ' || b[3] == b'-') {
        reply.code = rest[..3].parse().ok();
        rest = &rest[4..];
    }
    let enhanced_len = enhanced_code_len(rest.as_bytes());
    if enhanced_len > 0 {
        reply.enhanced = Some(&rest[..enhanced_len]);
        rest = rest[enhanced_len..].trim_start_matches(' ');
    }
    if let Some(inner) = rest.strip_prefix('<') {
        // `<addr>: reason`; the address may itself hold `<…>` (`<<1F4@bs>>`).
        if let Some((address, reason)) = ADDRESS_END.split_once(inner) {
            reply.address = Some(address);
            rest = reason.trim_start_matches(' ');
        }
    }
    reply.reason = rest;
    reply
}

/// Length of an RFC 3463 enhanced status code (`5.1.1`, `4.7.25`) at the
/// start of `b` when followed by a space or the end; 0 if there is none.
fn enhanced_code_len(b: &[u8]) -> usize {
    if b.len() < 5 || !matches!(b[0], b'2' | b'4' | b'5') || b[1] != b'.' {
        return 0;
    }
    let mut at = 2;
    for part in 0..2 {
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() && at - start < 3 {
            at += 1;
        }
        if at == start {
            return 0;
        }
        if part == 0 {
            if b.get(at) != Some(&b'.') {
                return 0;
            }
            at += 1;
        }
    }
    match b.get(at) {
        None | Some(b' ') | Some(b',') | Some(b';') => at,
        _ => 0,
    }
}

/// How the pairs of a `key=value` list are separated. Postfix writes
/// `, ` in delivery records (`global/log_adhoc.c`), qmgr's `from=<>, size=`
/// line and smtpd's `client=` line; a space in smtpd's `disconnect`
/// counters; and either in the trailer of policy actions (smtpd and cleanup
/// write spaces, postscreen commas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Separator {
    CommaSpace,
    Space,
    /// `, ` or a space.
    Either,
}

/// The `key=value` pairs at the start of a text, in order: `to=<a@b>,
/// relay=mx[1.2.3.4]:25, delay=1.2, …`. A value is either `<…>` (an
/// address, which may hold any character; the brackets are not part of
/// the value) or runs to the next space or comma. The scan stops before the
/// first text that is not a further pair, such as the `(queue active)`
/// after `nrcpt=1` or the reply after `status=sent`: [`KeyValues::rest`]
/// returns it.
///
/// ```text
/// from=<a@b.example>, size=1534, nrcpt=1 (queue active)
/// ^pair               ^pair      ^pair   ^rest
/// ```
#[derive(Clone, Debug)]
pub struct KeyValues<'a> {
    rest: &'a str,
    separator: Separator,
    first: bool,
}

// The scanner runs inside the parsers of the most frequent lines: `#[inline]`
// lets each parser's loop be compiled with it (the crate is split into many
// codegen units, across which calls are not inlined on their own).
impl<'a> KeyValues<'a> {
    #[inline]
    pub fn new(text: &'a str, separator: Separator) -> Self {
        KeyValues {
            rest: text,
            separator,
            first: true,
        }
    }

    /// What follows the last pair returned (before its separator, if a
    /// further pair did not follow).
    #[inline]
    pub fn rest(&self) -> &'a str {
        self.rest
    }

    /// The text after the separator at the start of `s`, if one is there.
    #[inline]
    fn after_separator(&self, s: &'a str) -> Option<&'a str> {
        match self.separator {
            Separator::CommaSpace => s.strip_prefix(", "),
            Separator::Space => s.strip_prefix(' '),
            Separator::Either => s
                .strip_prefix(", ")
                .or_else(|| s.strip_prefix(',').or_else(|| s.strip_prefix(' '))),
        }
    }
}

impl<'a> Iterator for KeyValues<'a> {
    type Item = (&'a str, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let start = if self.first {
            self.rest
        } else {
            self.after_separator(self.rest)?
        };
        let b = start.as_bytes();
        // A key is a word: letters, digits, `_` and `-`, then `=`. Keys and
        // plain values are short: a byte loop over a table beats a SIMD
        // search's setup.
        let key_len = b.iter().position(|&c| PAIR_BYTES[usize::from(c)] != KEY)?;
        if key_len == 0 || b[key_len] != b'=' {
            return None;
        }
        let key = &start[..key_len];
        let after = &start[key_len + 1..];
        let (value, rest) = match after.strip_prefix('<') {
            Some(inner) => {
                let end = bracket_end(inner)?;
                (&inner[..end], &inner[end + 1..])
            }
            None => {
                let end = after
                    .bytes()
                    .position(|c| PAIR_BYTES[usize::from(c)] == END)
                    .unwrap_or(after.len());
                after.split_at(end)
            }
        };
        self.first = false;
        self.rest = rest;
        Some((key, value))
    }
}

/// [`PAIR_BYTES`] classes: a byte of a key, a byte that ends a plain value
/// (a space or a comma), or another byte.
const KEY: u8 = 1;
const END: u8 = 2;

const PAIR_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            table[c] = KEY;
        } else if b == b' ' || b == b',' {
            table[c] = END;
        }
        c += 1;
    }
    table
};

/// The `from=<s> to=<r> proto=P helo=<h>` trailer of a policy action
/// (space-separated from smtpd and cleanup, comma-separated from postscreen).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trailer<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub proto: Option<&'a str>,
    pub helo: Option<&'a str>,
    pub sasl_method: Option<&'a str>,
    pub sasl_username: Option<&'a str>,
    /// cleanup's `: text` after the trailer (the reply of a header check).
    pub tail: Option<&'a str>,
}

const TRAILER_KEYS: [&str; 4] = ["from=<", "to=<", "proto=", "helo=<"];

/// Finds where the trailer starts: the last `;` followed by one of its keys.
/// Returns (text before the `;`, trailer text).
pub fn split_trailer(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    let mut end = bytes.len();
    while let Some(semi) = memchr::memrchr(b';', &bytes[..end]) {
        let after = s[semi + 1..].trim_start_matches(' ');
        if TRAILER_KEYS.iter().any(|k| after.starts_with(k)) {
            return Some((&s[..semi], after));
        }
        end = semi;
    }
    None
}

/// Parses the trailer's fields (`from=<s> to=<r> proto=P helo=<h>`, also
/// `sasl_method=`, `sasl_username=`, `sasl_sender=`), and cleanup's `: text`
/// after it. A value left open by a damaged line (`from=<a@b` at the end)
/// runs to the end.
pub fn trailer(s: &str) -> Trailer<'_> {
    let mut t = Trailer::default();
    let s = s.trim_start_matches([' ', ',']);
    let mut pairs = KeyValues::new(s, Separator::Either);
    for (key, value) in pairs.by_ref() {
        match key {
            "from" => t.from = Some(value),
            "to" => t.to = Some(value),
            "proto" => t.proto = Some(value),
            "helo" => t.helo = Some(value),
            "sasl_method" => t.sasl_method = Some(value),
            "sasl_username" => t.sasl_username = Some(value),
            "sasl_sender" => {}
            // Not a trailer key: the text is not a trailer from here on.
            _ => return t,
        }
    }
    let rest = pairs.rest();
    if let Some(tail) = rest.strip_prefix(": ") {
        t.tail = Some(tail);
    } else if let Some((key, open)) = unclosed_pair(rest) {
        // `helo=<host` cut off at the end of the line.
        match key {
            "from" => t.from = Some(open),
            "to" => t.to = Some(open),
            "helo" => t.helo = Some(open),
            _ => {}
        }
    }
    t
}

/// `key=<value` without its closing bracket (a line cut short), after the
/// last complete pair.
fn unclosed_pair(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.trim_start_matches([' ', ',']);
    // Usually nothing is left: no substring search for that.
    let open = memchr::memchr(b'<', rest.as_bytes())?;
    let (key, value) = (rest[..open].strip_suffix('=')?, &rest[open + 1..]);
    (!key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
        .then_some((key, value))
}

/// End of a `<…>` value whose opening `<` was already consumed: the first `>`
/// followed by the end, a space, a comma or `:` (so `<<1F4@bs>>` keeps its
/// inner brackets).
pub fn bracket_end(inner: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'>', &b[from..]) {
        let at = from + i;
        match b.get(at + 1) {
            None | Some(b' ') | Some(b',') | Some(b':') | Some(b';') => return Some(at),
            _ => from = at + 1,
        }
    }
    None
}

/// The domain of an address (after the last `@`), if it has one.
pub fn domain_of(address: &str) -> Option<&str> {
    let at = memchr::memrchr(b'@', address.as_bytes())?;
    let domain = &address[at + 1..];
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_ids() {
        for id in [
            "NOQUEUE",
            "4104E3D",
            "C6E0DDB74006",
            "3E29030F8637E",
            "4PbC4x469Jz3tBr",
            "3p7RMT0zrYz20p",
            "1234567890A",
        ] {
            assert!(is_queue_id(id), "{id}");
        }
        for word in [
            "reject",
            "warning",
            "connect",
            "Deleted",
            "request",
            "status",
            "ABC",
            "master_notify",
        ] {
            assert!(!is_queue_id(word), "{word}");
        }
    }

    /// The rule as first written, byte class by byte class: the table-driven
    /// [`split_queue_id`] must agree with it.
    fn split_queue_id_by_rule(message: &str) -> Option<&str> {
        let b = message.as_bytes();
        let n = b.iter().take(25).position(|c| !c.is_ascii_alphanumeric())?;
        let token = &message[..n];
        let hex = b[..n]
            .iter()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c));
        let long = b[..n]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() && !b"aeiouAEIOU".contains(c))
            && token.contains('z');
        let id = token == "NOQUEUE" || ((5..=24).contains(&n) && (hex || long));
        (b[n] == b':' && id).then_some(token)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// Tokens around the limits: hex and long-id alphabets at every
        /// length up to past the longest id, and mixed words.
        #[test]
        fn queue_ids_split_by_rule(message in "(NOQUEUE|[0-9A-F]{3,26}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]{1,24}z|[0-9A-Fa-z]{0,26})[: ,_]?[a-z ]{0,4}") {
            proptest::prop_assert_eq!(split_queue_id(&message).0, split_queue_id_by_rule(&message));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        /// The register searches find what a byte-by-byte search finds, at
        /// any length and position (across the 32 bytes searched in
        /// registers and the `memchr` after them).
        #[test]
        fn byte_finds_agree_with_the_plain_search(haystack in "[ab\\]\\[ ]{0,80}") {
            let b = haystack.as_bytes();
            proptest::prop_assert_eq!(find_byte(b, b']'), b.iter().position(|&c| c == b']'));
            proptest::prop_assert_eq!(
                find_byte2(b, b'[', b' '),
                b.iter().position(|&c| c == b'[' || c == b' ')
            );
            proptest::prop_assert_eq!(rfind_byte(b, b']'), b.iter().rposition(|&c| c == b']'));
            proptest::prop_assert_eq!(split_word(&haystack), haystack.split_once(' '));
            proptest::prop_assert_eq!(strip(&haystack, b"ab "), haystack.strip_prefix("ab "));
            proptest::prop_assert_eq!(strip(&haystack, b"a"), haystack.strip_prefix('a'));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// The hand-written number readers agree with `str::parse`.
        #[test]
        fn numbers_read_as_str_parse_reads_them(s in "[+-]?[0-9]{0,7}|[0-9 +a/]{0,4}") {
            proptest::prop_assert_eq!(parse_u16(&s), s.parse::<u16>().ok());
            // The port after the first byte: its digits, read as
            // `str::parse` reads one to five of them.
            let b = s.as_bytes();
            if !b.is_empty() {
                let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                let text = &s[1..1 + digits];
                let expected = (digits <= 5).then(|| text.parse::<u16>().ok()).flatten();
                proptest::prop_assert_eq!(port_digits(b, 1), (expected, 1 + digits));
            }
        }
    }

    /// The needle at every position, before, at and after the 32 bytes
    /// searched in registers (and, backwards, in every word).
    #[test]
    fn byte_finds_at_every_position() {
        for len in 0..80 {
            for at in 0..len {
                let mut b = vec![b'a'; len];
                b[at] = b']';
                assert_eq!(find_byte(&b, b']'), Some(at), "{len} {at}");
                assert_eq!(rfind_byte(&b, b']'), Some(at), "{len} {at}");
                b[at] = b' ';
                assert_eq!(find_byte2(&b, b'[', b' '), Some(at), "{len} {at}");
            }
            assert_eq!(find_byte(&vec![b'a'; len], b']'), None);
            assert_eq!(rfind_byte(&vec![b'a'; len], b']'), None);
        }
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port(b"25"), Some(25));
        assert_eq!(parse_port(b"65535"), Some(65535));
        assert_eq!(parse_port(b"65536"), None);
        assert_eq!(parse_port(b"123456"), None);
        assert_eq!(parse_port(b""), None);
    }

    #[test]
    fn peers() {
        let cases = [
            (
                "unknown[192.168.1.1]: rest",
                Some("unknown"),
                "192.168.1.1",
                None,
                ": rest",
            ),
            (
                "[82.165.159.12]:37687: 550",
                None,
                "82.165.159.12",
                Some(37687),
                ": 550",
            ),
            (
                "unknown[2a02:8109:b240::15c8]",
                Some("unknown"),
                "2a02:8109:b240::15c8",
                None,
                "",
            ),
            (
                "mail.example[private/dovecot-lmtp], x",
                Some("mail.example"),
                "private/dovecot-lmtp",
                None,
                ", x",
            ),
            (
                "mx.example.org[203.0.113.5]:25, delay",
                Some("mx.example.org"),
                "203.0.113.5",
                Some(25),
                ", delay",
            ),
        ];
        for (s, name, addr, port, rest) in cases {
            let (p, r) = peer(s).unwrap();
            assert_eq!(
                (p.name, p.addr, p.port, r),
                (name, Some(addr), port, rest),
                "{s}"
            );
        }
        assert_eq!(peer("no brackets here"), None);
    }

    #[test]
    fn replies() {
        let r = reply("550 5.1.1 <jdoe@erg.school>: Recipient address rejected: User unknown in virtual mailbox table");
        assert_eq!(r.code, Some(550));
        assert_eq!(r.enhanced, Some("5.1.1"));
        assert_eq!(r.address, Some("jdoe@erg.school"));
        assert_eq!(
            r.reason,
            "Recipient address rejected: User unknown in virtual mailbox table"
        );

        let r = reply("4.7.1 Greylisting in action, try again later");
        assert_eq!((r.code, r.enhanced, r.address), (None, Some("4.7.1"), None));
        assert_eq!(r.reason, "Greylisting in action, try again later");

        let r = reply("554 Service unavailable");
        assert_eq!(
            (r.code, r.enhanced, r.reason),
            (Some(554), None, "Service unavailable")
        );

        let r = reply("550-5.7.26 This mail is unauthenticated");
        assert_eq!((r.code, r.enhanced), (Some(550), Some("5.7.26")));

        let r = reply("450 4.1.2 <<1F4@bs>>:       Recipient address rejected: Domain not found");
        assert_eq!(r.address, Some("<1F4@bs>"));
        assert_eq!(r.reason, "Recipient address rejected: Domain not found");

        let r = reply("too many connections");
        assert_eq!(
            (r.code, r.enhanced, r.reason),
            (None, None, "too many connections")
        );
    }

    #[test]
    fn trailers() {
        let (head, tail) = split_trailer("550 5.7.1 Service unavailable; client [82.165.159.12] blocked using zen.spamhaus.org; from=<>, to=<user01.test@uhu-banane.net>, proto=ESMTP, helo=<mout-xforward.gmx.net>").unwrap();
        assert_eq!(
            head,
            "550 5.7.1 Service unavailable; client [82.165.159.12] blocked using zen.spamhaus.org"
        );
        let t = trailer(tail);
        assert_eq!(t.from, Some(""));
        assert_eq!(t.to, Some("user01.test@uhu-banane.net"));
        assert_eq!(t.proto, Some("ESMTP"));
        assert_eq!(t.helo, Some("mout-xforward.gmx.net"));

        let t = trailer("proto=SMTP");
        assert_eq!((t.from, t.to, t.proto), (None, None, Some("SMTP")));

        let t = trailer("from=<a@b> to=<c@d> proto=ESMTP helo=<[172.18.0.2]>: Received: from x");
        assert_eq!(t.helo, Some("[172.18.0.2]"));
        assert_eq!(t.tail, Some("Received: from x"));

        assert_eq!(split_trailer("Relay access denied"), None);
    }

    #[test]
    fn key_value_lists() {
        // A delivery record: `, ` between pairs, the status text after.
        let mut pairs = KeyValues::new(
            "to=<a@b.example>, relay=mx[1.2.3.4]:25, delay=1.2, status=sent (250 2.0.0 Ok)",
            Separator::CommaSpace,
        );
        let got: Vec<_> = pairs.by_ref().collect();
        assert_eq!(
            got,
            [
                ("to", "a@b.example"),
                ("relay", "mx[1.2.3.4]:25"),
                ("delay", "1.2"),
                ("status", "sent")
            ]
        );
        assert_eq!(pairs.rest(), " (250 2.0.0 Ok)");

        // qmgr: the null sender, then free text.
        let mut pairs = KeyValues::new(
            "from=<>, size=1534, nrcpt=1 (queue active)",
            Separator::CommaSpace,
        );
        let got: Vec<_> = pairs.by_ref().collect();
        assert_eq!(got, [("from", ""), ("size", "1534"), ("nrcpt", "1")]);
        assert_eq!(pairs.rest(), " (queue active)");

        // A space where `, ` belongs ends a comma list.
        let got: Vec<_> = KeyValues::new("conn_use=2 delay=1", Separator::CommaSpace).collect();
        assert_eq!(got, [("conn_use", "2")]);

        // disconnect counters; an address holding `>` and spaces.
        let got: Vec<_> = KeyValues::new("ehlo=1 mail=1 rcpt=0/1", Separator::Space).collect();
        assert_eq!(got, [("ehlo", "1"), ("mail", "1"), ("rcpt", "0/1")]);
        let got: Vec<_> = KeyValues::new("from=<a b>c@d> to=<x@y>", Separator::Either).collect();
        assert_eq!(got, [("from", "a b>c@d"), ("to", "x@y")]);

        // Not a pair: no key, a key that is not a word, an unclosed bracket.
        for text in ["=1", "no pairs here", "a b=1", "from=<open"] {
            let mut pairs = KeyValues::new(text, Separator::Either);
            assert_eq!(pairs.next(), None, "{text}");
            assert_eq!(pairs.rest(), text, "{text}");
        }
    }

    #[test]
    fn needles_split_at_the_text() {
        needle!(SAID = "] said: ");
        assert_eq!(
            SAID.split_once("host mx[1.2.3.4] said: 550 no] said: x"),
            Some(("host mx[1.2.3.4", "550 no] said: x"))
        );
        assert_eq!(
            SAID.rsplit_once("host mx[1.2.3.4] said: 550 no] said: x"),
            Some(("host mx[1.2.3.4] said: 550 no", "x"))
        );
        assert_eq!(SAID.split_once("nothing"), None);
    }

    #[test]
    fn domains() {
        assert_eq!(domain_of("jdoe@erg.school"), Some("erg.school"));
        assert_eq!(domain_of("root"), None);
        assert_eq!(domain_of(""), None);
        assert_eq!(domain_of("a@b@Example.COM"), Some("Example.COM"));
    }
}
