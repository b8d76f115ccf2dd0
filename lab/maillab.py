#!/usr/bin/env python3
"""Postfix lab driver for maillog-report (standard library only).

The whole lab world lives in this file: the Postfix configuration (WORLD
constants below), the seeded traffic plan (build_plan) and the ground truth
(compute_expected).  The truth is computed from the plan, the Postfix
configuration and the SMTP replies the driver received -- never from a log.

Subcommands (run-lab.sh calls them; they are usable on their own too):

  configure --etc DIR --chroot DIR --sinks FILE
      write main.cf, master.cf, the lookup tables and the chroot's
      hosts/resolv.conf/nsswitch.conf, and list the smtp-sink instances.
  run --out DIR
      drive the running Postfix: early phase, main phase, settle, late
      phase, flush after maximal_queue_lifetime, settle; then write
      DIR/manifest.jsonl and DIR/expected.json.
  queue-actions --out DIR
      the second session (a fresh log): mail held and discarded by
      header_checks, from real senders, then `postsuper -d` of some of the
      held mail; writes DIR/manifest.jsonl and DIR/expected.json.
  filter-configure --etc DIR
      before the third session: the retry routes, the content filter's
      transport and re-injection smtpd, content_filter.
  filter-retries --out DIR
      the third session (a fresh log): every message through an amavis-like
      content filter; mail deferred once at one next hop and delivered
      through another, and greylisted once then accepted;
      writes DIR/manifest.jsonl and DIR/expected.json.
  mail --bin MAILLOG_REPORT --log LOG --out DIR
      `maillog-report --format mail` of LOG through this Postfix's
      `sendmail -t` to nobody's mailbox; writes DIR/sent.eml and
      DIR/received.eml.
  plan
      print a summary of the plan (no network).
  wait-listen ADDR:PORT...   /   check-loopback --ports 25,587
      helpers for run-lab.sh that read /proc/net/tcp{,6} (no iproute2
      needed, and no probe connection that Postfix would log).
"""

import argparse
import ipaddress
import json
import os
import pwd
import random
import re
import shutil
import smtplib
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate

# --------------------------------------------------------------------------
# The world
# --------------------------------------------------------------------------

SEED = 20261123

MYHOSTNAME = "relay.xamxam.example"
MYDOMAIN = "xamxam.example"
MYNETWORKS = ["127.0.0.1"]  # 127.0.0.1/32
MYDESTINATION = ["relay.xamxam.example", "intranet.xamxam.example", "localhost"]

# virtual_mailbox_domains -> the mailboxes listed in virtual_mailbox_maps.
# erg.school is "wrongly" a virtual mailbox domain with only two mailboxes.
XAMXAM_STAFF = ["lea.peeters", "tom.claes", "sofie.maes", "jonas.dubois",
                "nina.jacobs", "pieter.wouters", "emma.lambert", "lucas.dupont"]
VIRTUAL_MAILBOXES = {
    "xamxam.example": ["noreply", "helpdesk", "it-desk", "support", "billing"] + XAMXAM_STAFF,
    "erg.school": ["admin", "secretariat"],
}

# alias_maps (local domains). The final targets are files, so local(8)
# delivers "to file: /dev/null" without needing real mailboxes.
ALIASES = {
    "postmaster": ["root"],
    "abuse": ["root"],
    "hostmaster": ["root"],
    "noc": ["/dev/null"],
    "root": ["/dev/null"],
}

LISTENERS = {"smtp": 25, "submission": 587}
UNKNOWN_LOCAL_CODE = {"smtp": 550, "submission": 450}

MAX_QUEUE_LIFETIME = 60   # maximal_queue_lifetime (s)
BOUNCE_QUEUE_LIFETIME = 0  # bounce_queue_lifetime (s)
BACKOFF = 3600            # queue_run_delay = minimal_backoff_time (s): no automatic retry
TIME_MARGIN = 4           # seconds of safety around the expiry boundary

# smtp-sink instances: name -> (ip, smtp-sink options, delivery outcome).
# "dead" has no process: connections are refused (dsn 4.4.1).
SINKS = {
    "accept":   ("127.0.0.20", [], "sent"),
    "rcpt550":  ("127.0.0.21", ["-f", "RCPT", "-B", "550 5.1.1 Recipient address rejected: User unknown"], "bounced"),
    "data554":  ("127.0.0.22", ["-f", ".", "-B", "554 5.7.1 Message rejected: content looks like spam"], "bounced"),
    "mail553":  ("127.0.0.23", ["-f", "MAIL", "-B", "553 5.7.1 Sender address rejected: listed at bl.example"], "bounced"),
    "grey451":  ("127.0.0.24", ["-r", "RCPT", "-b", "451 4.7.1 Greylisted, please try again later"], "deferred"),
    "greet421": ("127.0.0.25", ["-r", "CONNECT", "-b", "421 4.3.2 Service not available, try later"], "deferred"),
    "dead":     ("127.0.0.26", None, "deferred"),
}

ACCEPT_DOMAINS = [
    "gmail.example", "googlemail.example", "outlook.example", "hotmail.example",
    "yahoo.example", "proton.example", "icloud.example", "gmx.example",
    "free.example", "orange.example", "ulb.example", "kuleuven.example",
    "uclouvain.example", "ens.example", "univ-lille.example", "kabk.example",
    "arts-academy.example", "telenet.example", "skynet.example", "partner.example",
]
BOUNCE_DOMAINS = {
    "oldmail.example": "rcpt550", "closed-isp.example": "rcpt550",
    "defunct-univ.example": "rcpt550", "strict-filter.example": "data554",
    "blocklisting.example": "mail553",
}
DEFER_DOMAINS = {
    "greylist.example": "grey451", "busy-mx.example": "grey451",
    "overloaded.example": "greet421", "deadhost.example": "dead",
    "gone-away.example": "dead",
}
# transport_maps: every non-local destination goes to a sink; the virtual
# mailbox domains too (transport_maps wins over virtual_transport).
TRANSPORT = {d: "accept" for d in ACCEPT_DOMAINS + list(VIRTUAL_MAILBOXES)}
TRANSPORT.update(BOUNCE_DOMAINS)
TRANSPORT.update(DEFER_DOMAINS)

# Domains that outsiders try to relay to; they are never delivered to.
RELAY_TARGETS = ["gmail.example", "outlook.example", "yahoo.example",
                 "victim-corp.example", "random-target.example"]

# Client addresses (all loopback). Names come from the hosts file that the
# lab writes into Postfix's chroot; others are "unknown".
CLIENT_NAMES = {"127.0.0.1": "localhost",
                "127.0.0.3": "mail.partner.example",
                "127.0.0.6": "scanner01.partner.example"}

# Access tables (value None = plain REJECT, i.e. "Access denied").
CLIENT_ACCESS = {"127.0.0.8": None}
HELO_ACCESS = {"spam-bot.example": "Go away, spam bot"}
SENDER_ACCESS = {"spam-domain.example": "Sender domain blocked by policy",
                 "mallory@partner.example": None}
RECIPIENT_ACCESS = {
    "former.staff@xamxam.example": "Mailbox disabled, contact it-desk@xamxam.example",
    "old.intern@xamxam.example": "Mailbox disabled, contact it-desk@xamxam.example",
    "ex.director@xamxam.example": "Mailbox disabled, contact it-desk@xamxam.example",
}

FIRST = ["emma", "louis", "olivia", "arthur", "mila", "noah", "lina", "jules",
         "alice", "victor", "sara", "hugo", "camille", "adam", "marie", "liam",
         "zoe", "finn", "anouk", "lotte", "ines", "robin", "elise", "milan"]
LAST = ["peeters", "janssens", "maes", "jacobs", "mertens", "willems", "claes",
        "goossens", "wouters", "desmet", "dubois", "lambert", "dupont", "martin",
        "laurent", "simon", "leroy", "cools", "smets", "lemaire"]

SPOOL = "/var/spool/postfix"

# The queue-actions session: header_checks HOLD and DISCARD by Subject
# (no subject of the first session matches), then `postsuper -d` of the
# first DELETE_HELD held messages; the rest stay on hold.
HOLD_SUBJECT = "lab-hold"
DISCARD_SUBJECT = "lab-discard"
HEADER_CHECKS = [
    (f"/^Subject: {HOLD_SUBJECT} /", "HOLD held for review by the lab"),
    (f"/^Subject: {DISCARD_SUBJECT} /", "DISCARD discarded by the lab"),
]
QUEUE_ACTION_SENDERS = {
    HOLD_SUBJECT: ["finance@xamxam.example", "lea.peeters@xamxam.example",
                   "billing@xamxam.example", "tom.claes@xamxam.example"],
    DISCARD_SUBJECT: ["sofie.maes@xamxam.example", "jonas.dubois@xamxam.example",
                      "nina.jacobs@xamxam.example"],
    "Weekly minutes": ["emma.lambert@xamxam.example"],
}
DELETE_HELD = 2

# --------------------------------------------------------------------------
# Configuration writer
# --------------------------------------------------------------------------


def main_cf(etc):
    lab = os.path.join(etc, "lab")
    return f"""# maillog-report lab configuration -- written by lab/maillab.py configure.
# Throwaway, loopback-only Postfix; every remote destination is an smtp-sink.
compatibility_level = 3.6
myhostname = {MYHOSTNAME}
mydomain = {MYDOMAIN}
myorigin = $myhostname
mydestination = {", ".join(MYDESTINATION)}
relay_domains =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtp_dns_support_level = disabled
biff = no
append_dot_mydomain = no
readme_directory = no
maillog_file = /var/log/postfix-lab.log

alias_maps = hash:{lab}/aliases
alias_database = hash:{lab}/aliases
virtual_mailbox_domains = {", ".join(VIRTUAL_MAILBOXES)}
virtual_mailbox_maps = hash:{lab}/vmailbox
virtual_transport = error:5.3.0 lab: virtual delivery is not configured
transport_maps = hash:{lab}/transport
header_checks = regexp:{lab}/header_checks
default_transport = error:5.3.0 lab: no route configured for this destination
unknown_local_recipient_reject_code = 550

smtpd_helo_required = yes
smtpd_delay_reject = yes
smtpd_client_restrictions = permit_mynetworks, check_client_access hash:{lab}/client_access
smtpd_helo_restrictions = permit_mynetworks, reject_invalid_helo_hostname,
    check_helo_access hash:{lab}/helo_access,
    warn_if_reject reject_non_fqdn_helo_hostname
smtpd_sender_restrictions = reject_non_fqdn_sender, check_sender_access hash:{lab}/sender_access
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access hash:{lab}/recipient_access
# (smtpd_reject_unlisted_recipient = yes: the implicit reject_unlisted_recipient)

# the lab sends many rejected RCPTs per session: no tarpit, no disconnect
smtpd_error_sleep_time = 0s
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_junk_command_limit = 1000

# no automatic retries: deferred mail is retried only by `postqueue -f`
maximal_queue_lifetime = {MAX_QUEUE_LIFETIME}s
bounce_queue_lifetime = {BOUNCE_QUEUE_LIFETIME}s
queue_run_delay = {BACKOFF}s
minimal_backoff_time = {BACKOFF}s
maximal_backoff_time = {2 * BACKOFF}s
delay_warning_time = 0h
"""


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def table(entries):
    return "".join(f"{k}\t{v}\n" for k, v in entries)


def reject_action(text):
    return "REJECT" if text is None else f"REJECT {text}"


def cmd_configure(args):
    etc, chroot = args.etc, args.chroot
    lab = os.path.join(etc, "lab")
    os.makedirs(lab, exist_ok=True)
    write(os.path.join(etc, "main.cf"), main_cf(etc))
    write(os.path.join(lab, "aliases"),
          "".join(f"{k}: {', '.join(v)}\n" for k, v in ALIASES.items()))
    write(os.path.join(lab, "vmailbox"), table(
        (f"{u}@{d}", "lab-mailbox") for d, us in VIRTUAL_MAILBOXES.items() for u in us))
    write(os.path.join(lab, "transport"), table(
        (d, f"smtp:[{SINKS[s][0]}]:25") for d, s in sorted(TRANSPORT.items())))
    write(os.path.join(lab, "client_access"), table((k, reject_action(v)) for k, v in CLIENT_ACCESS.items()))
    write(os.path.join(lab, "helo_access"), table((k, reject_action(v)) for k, v in HELO_ACCESS.items()))
    write(os.path.join(lab, "sender_access"), table((k, reject_action(v)) for k, v in SENDER_ACCESS.items()))
    write(os.path.join(lab, "recipient_access"), table((k, reject_action(v)) for k, v in RECIPIENT_ACCESS.items()))
    write(os.path.join(lab, "header_checks"), "".join(f"{k} {v}\n" for k, v in HEADER_CHECKS))
    # chroot name service: the lab's hosts only, never DNS (no traffic can
    # leave the machine even if a lookup misses)
    write(os.path.join(chroot, "etc/hosts"),
          "".join(f"{ip}\t{name}\n" for ip, name in CLIENT_NAMES.items()))
    # (glibc may keep the host's nsswitch.conf from before the chroot; the
    # resolver then asks this loopback address, where nothing listens)
    write(os.path.join(chroot, "etc/resolv.conf"), "nameserver 127.0.0.254\noptions timeout:1 attempts:1\n")
    write(os.path.join(chroot, "etc/nsswitch.conf"), "hosts: files\nservices: files\n")
    if os.path.exists("/etc/services"):
        shutil.copyfile("/etc/services", os.path.join(chroot, "etc", "services"))
    for m in ("vmailbox", "transport", "client_access", "helo_access", "sender_access", "recipient_access"):
        subprocess.run(["postmap", os.path.join(lab, m)], check=True)
    subprocess.run(["postalias", os.path.join(lab, "aliases")], check=True)
    with open(args.sinks, "w") as f:
        for name, (ip, opts, _) in SINKS.items():
            if opts is not None:
                f.write("\t".join([name, ip] + opts) + "\n")
    return 0


# --------------------------------------------------------------------------
# What Postfix will answer (from the configuration above)
# --------------------------------------------------------------------------


def domain_of(addr):
    return addr.rsplit("@", 1)[1].lower() if "@" in addr else ""


def local_of(addr):
    return addr.rsplit("@", 1)[0].lower()


def valid_hostname(name):
    labels = name.split(".")
    return all(labels) and all(re.fullmatch(r"[A-Za-z0-9_-]+", l) for l in labels) and len(name) <= 255


def is_local_user(local):
    if local in ALIASES:
        return True
    try:
        pwd.getpwnam(local)
        return True
    except KeyError:
        return False


def rej(code, enhanced, reason, restriction):
    return {"code": code, "enhanced": enhanced, "reason": reason, "restriction": restriction}


def smtpd_decision(ip, helo, listener, sender, rcpt):
    """Reply to RCPT TO, following the main.cf restriction order
    (smtpd_delay_reject = yes: client, helo, sender, relay, recipient, then
    the implicit reject_unlisted_recipient). Returns (reject-or-None, warnings)."""
    warnings = []
    inside = ip in MYNETWORKS
    dom, loc = domain_of(rcpt), local_of(rcpt)
    if not inside:
        if ip in CLIENT_ACCESS:
            return rej(554, "5.7.1", "Client host rejected: " + (CLIENT_ACCESS[ip] or "Access denied"),
                       "check_client_access"), warnings
        if not valid_hostname(helo):
            return rej(501, "5.5.2", "Helo command rejected: Invalid name", "reject_invalid_helo_hostname"), warnings
        if helo.lower() in HELO_ACCESS:
            return rej(554, "5.7.1", "Helo command rejected: " + (HELO_ACCESS[helo.lower()] or "Access denied"),
                       "check_helo_access"), warnings
        if "." not in helo:
            warnings.append(rej(504, "5.5.2", "Helo command rejected: need fully-qualified hostname",
                                "reject_non_fqdn_helo_hostname"))
    if sender and ("@" not in sender or "." not in domain_of(sender)):
        return rej(504, "5.5.2", "Sender address rejected: need fully-qualified address",
                   "reject_non_fqdn_sender"), warnings
    if sender:
        for key in (sender.lower(), domain_of(sender)):
            if key in SENDER_ACCESS:
                return rej(554, "5.7.1", "Sender address rejected: " + (SENDER_ACCESS[key] or "Access denied"),
                           "check_sender_access"), warnings
    local_dom = dom in MYDESTINATION
    virtual_dom = dom in VIRTUAL_MAILBOXES
    if not inside and not (local_dom or virtual_dom):
        return rej(554, "5.7.1", "Relay access denied", "reject_unauth_destination"), warnings
    if rcpt.lower() in RECIPIENT_ACCESS:
        return rej(554, "5.7.1", "Recipient address rejected: " + (RECIPIENT_ACCESS[rcpt.lower()] or "Access denied"),
                   "check_recipient_access"), warnings
    if local_dom and not is_local_user(loc):
        code = UNKNOWN_LOCAL_CODE[listener]
        return rej(code, f"{code // 100}.1.1", "Recipient address rejected: User unknown in local recipient table",
                   "reject_unlisted_recipient"), warnings
    if virtual_dom and loc not in VIRTUAL_MAILBOXES[dom]:
        return rej(550, "5.1.1", "Recipient address rejected: User unknown in virtual mailbox table",
                   "reject_unlisted_recipient"), warnings
    return None, warnings


def delivery_route(addr):
    """(domain logged in to=, outcome) of one accepted recipient."""
    dom, loc = domain_of(addr), local_of(addr)
    if dom in MYDESTINATION:
        # local(8) expands aliases; an alias that resolves to another local
        # name is logged with the expanded address in the $myorigin domain:
        # to=<root@relay.xamxam.example>, orig_to=<postmaster@...>
        seen = 0
        while loc in ALIASES and not ALIASES[loc][0].startswith("/") and seen < 10:
            loc, dom, seen = ALIASES[loc][0], MYHOSTNAME, seen + 1
        return dom, "sent"
    sink = TRANSPORT.get(dom)
    if sink is None:
        return dom, "bounced"  # default_transport = error
    return dom, SINKS[sink][2]


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------


class Plan:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.sessions = []

    def person(self):
        return f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}"

    def unknown_at(self, dom):
        while True:
            loc = self.person()
            if dom in VIRTUAL_MAILBOXES and loc in VIRTUAL_MAILBOXES[dom]:
                continue
            if dom in MYDESTINATION and is_local_user(loc):
                continue
            addr = f"{loc}@{dom}"
            if addr in RECIPIENT_ACCESS:
                continue
            return addr

    def pick(self, kind):
        r = self.rng
        if kind == "accept":
            return f"{self.person()}@{r.choice(ACCEPT_DOMAINS)}"
        if kind == "bounce":
            return f"{self.person()}@{r.choice(sorted(BOUNCE_DOMAINS))}"
        if kind == "defer":
            return f"{self.person()}@{r.choice(sorted(DEFER_DOMAINS))}"
        if kind == "erg-ok":
            return f"{r.choice(VIRTUAL_MAILBOXES['erg.school'])}@erg.school"
        if kind == "erg-unknown":
            return self.unknown_at("erg.school")
        if kind == "xam-ok":
            return f"{r.choice(VIRTUAL_MAILBOXES['xamxam.example'])}@xamxam.example"
        if kind == "xam-unknown":
            return self.unknown_at("xamxam.example")
        if kind == "xam-disabled":
            return r.choice(sorted(RECIPIENT_ACCESS))
        if kind == "local-ok":
            return f"{r.choice(sorted(ALIASES))}@{r.choice(MYDESTINATION)}"
        if kind == "local-unknown":
            return self.unknown_at(r.choice(MYDESTINATION[:2]))
        if kind == "relay":
            return f"{self.person()}@{r.choice(RELAY_TARGETS)}"
        raise ValueError(kind)

    def weighted(self, weights):
        kinds, w = zip(*weights)
        return self.rng.choices(kinds, w)[0]

    def add(self, group, phase, ip, helo, listener, txns, per_session=(4, 12)):
        i = 0
        while i < len(txns):
            n = self.rng.randint(*per_session)
            self.sessions.append({"group": group, "phase": phase, "ip": ip, "helo": helo,
                                  "listener": listener, "txns": txns[i:i + n]})
            i += n

    def txn(self, sender, rcpts, subject):
        return {"sender": sender, "rcpts": rcpts, "subject": subject}

    def single(self, n, sender, weights, subject):
        return [self.txn(sender() if callable(sender) else sender,
                         [self.pick(self.weighted(weights))], subject) for _ in range(n)]


def build_plan(seed=SEED):
    p = Plan(seed)
    r = p.rng
    app = "noreply@xamxam.example"
    # Early deferred mail: retried once by the flush after maximal_queue_lifetime, then expires.
    p.add("E:early-deferred", "early", "127.0.0.1", "app01.xamxam.example", "smtp",
          p.single(12, app, [("defer", 1)], "Your XamXam access link"), (4, 4))
    # Main phase.
    p.add("A:app-notify", "main", "127.0.0.1", "app01.xamxam.example", "smtp",
          p.single(320, app, [("erg-unknown", 40), ("erg-ok", 6), ("accept", 44), ("bounce", 10)],
                   "Your XamXam access link"), (5, 15))
    multi = []
    for _ in range(30):
        n = r.randint(2, 4)
        rcpts = []
        while len(rcpts) < n:
            a = p.pick(p.weighted([("erg-ok", 2), ("erg-unknown", 5), ("accept", 3)]))
            if a not in rcpts:
                rcpts.append(a)
        multi.append(p.txn(app, rcpts, "Workshop schedule"))
    p.add("B:app-multi-rcpt", "main", "127.0.0.1", "app02.xamxam.example", "smtp", multi, (3, 8))
    p.add("C:null-sender", "main", "127.0.0.1", "app01.xamxam.example", "smtp",
          p.single(36, "", [("accept", 50), ("erg-unknown", 20), ("bounce", 15), ("defer", 15)],
                   "Delivery Status Notification"), (4, 10))
    p.add("D:submission", "main", "127.0.0.1", "app02.xamxam.example", "submission",
          p.single(70, "helpdesk@xamxam.example",
                   [("accept", 45), ("local-unknown", 30), ("local-ok", 10), ("erg-unknown", 15)],
                   "Ticket update"), (5, 12))
    p.add("F:local-unknown-550", "main", "127.0.0.1", "app01.xamxam.example", "smtp",
          p.single(40, app, [("local-unknown", 60), ("local-ok", 15), ("xam-unknown", 25)],
                   "Nightly report"), (5, 10))
    relay = []
    for _ in range(30):
        rcpts = []
        for _ in range(r.randint(1, 4)):
            a = p.pick("relay")
            if a not in rcpts:
                rcpts.append(a)
        relay.append(p.txn(f"{p.person()}@promo-blast.example", rcpts, "Cheap watches"))
    p.add("G:relay-denied", "main", "127.0.0.5", "mail.promo-blast.example", "smtp", relay, (2, 6))
    scan = p.single(14, "scan-to-mail@partner.example", [("xam-ok", 1)], "Scanned document")
    for _ in range(4):
        scan.append(p.txn("scan-to-mail@partner.example",
                          list(dict.fromkeys(p.pick("relay") for _ in range(r.randint(1, 3)))),
                          "Scanned document"))
    p.add("H:bare-helo", "main", "127.0.0.6", "scanner01", "smtp", scan, (3, 6))
    p.add("I:inbound-partner", "main", "127.0.0.3", "mail.partner.example", "smtp",
          p.single(60, lambda: f"{r.choice(FIRST)}@partner.example",
                   [("xam-ok", 35), ("xam-unknown", 25), ("erg-ok", 10), ("erg-unknown", 20), ("xam-disabled", 10)],
                   "Re: project"), (4, 10))
    policy = p.single(8, lambda: f"news{r.randint(1, 99)}@spam-domain.example",
                      [("xam-ok", 2), ("erg-ok", 1), ("erg-unknown", 1)], "Special offer")
    policy += p.single(8, "mallory@partner.example", [("xam-ok", 2), ("erg-ok", 1)], "Invoice")
    p.add("J:sender-policy", "main", "127.0.0.3", "mail.partner.example", "smtp", policy, (3, 6))
    p.add("K:non-fqdn-sender", "main", "127.0.0.5", "mail.promo-blast.example", "smtp",
          p.single(6, "webmaster", [("xam-ok", 1)], "Hello"), (3, 3))
    p.add("L:helo-invalid", "main", "127.0.0.7", "bad..helo.example", "smtp",
          p.single(8, "user@unknown-sender.example", [("xam-ok", 1), ("erg-ok", 1)], "Hello"), (2, 4))
    p.add("M:helo-access", "main", "127.0.0.9", "spam-bot.example", "smtp",
          p.single(6, "bot@spam-bot.example", [("xam-ok", 1)], "Hello"), (3, 3))
    p.add("N:client-blocked", "main", "127.0.0.8", "mail.blocked.example", "smtp",
          p.single(6, "info@blocked.example", [("xam-ok", 1), ("erg-unknown", 1)], "Hello"), (3, 3))
    # Late deferred mail: attempted, retried by the flush, still queued at the end.
    p.add("late:deferred", "late", "127.0.0.1", "app01.xamxam.example", "smtp",
          p.single(10, app, [("defer", 1)], "Your XamXam access link"), (5, 5))
    for i, s in enumerate(p.sessions, 1):
        s["session"] = i
        for t in s["txns"]:
            t["expect"] = [smtpd_decision(s["ip"], s["helo"], s["listener"], t["sender"], a) for a in t["rcpts"]]
    check_plan(p.sessions)
    return p.sessions


def check_plan(sessions):
    """Refuse plans whose outcome would depend on timing."""
    for s in sessions:
        for t in s["txns"]:
            accepted = [a for a, (rj, _) in zip(t["rcpts"], t["expect"]) if rj is None]
            routes = [delivery_route(a)[1] for a in accepted]
            if "deferred" in routes:
                assert len(accepted) == 1, "deferred mail must be single-recipient"
                assert t["sender"] == "" or s["phase"] in ("early", "late"), \
                    "non-null deferred mail only in the early/late phase"
            if s["phase"] != "main":
                assert routes and all(x == "deferred" for x in routes), "early/late phases carry deferred mail only"
            if t["sender"] and ("bounced" in routes or "deferred" in routes):
                assert delivery_route(t["sender"])[1] == "sent", "notifications must be deliverable"
            if len(routes) > 1:
                assert "bounced" not in routes and "deferred" not in routes, "keep failures single-recipient"


# --------------------------------------------------------------------------
# Driving Postfix
# --------------------------------------------------------------------------


def reply_text(msg):
    return msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg)


def run_session(s, host="127.0.0.1"):
    out = []
    port = LISTENERS[s["listener"]]
    smtp = smtplib.SMTP(host, port, local_hostname=s["helo"], timeout=60, source_address=(s["ip"], 0))
    try:
        code, msg = smtp.ehlo(s["helo"])
        if code != 250:
            raise RuntimeError(f"EHLO {s['helo']}: {code} {reply_text(msg)}")
        for n, t in enumerate(s["txns"]):
            rec = {"session": s["session"], "txn": n, "group": s["group"], "phase": s["phase"], "ip": s["ip"],
                   "helo": s["helo"], "listener": s["listener"], "sender": t["sender"], "subject": t["subject"],
                   "t_start": time.time()}
            code, msg = smtp.mail(t["sender"])
            rec["mail"] = [code, reply_text(msg)]
            rec["rcpts"] = []
            for a in t["rcpts"]:
                code, msg = smtp.rcpt(a)
                rec["rcpts"].append([a, code, reply_text(msg)])
            if any(c == 250 for _, c, _ in rec["rcpts"]):
                to = ", ".join(a for a, c, _ in rec["rcpts"] if c == 250)
                body = (f"From: {t['sender'] or 'MAILER-DAEMON@xamxam.example'}\r\nTo: {to}\r\n"
                        f"Subject: {t['subject']}\r\nDate: {formatdate()}\r\n"
                        f"Message-ID: <lab.{s['session']}.{n}@xamxam.example>\r\n\r\n"
                        f"maillog-report lab message {s['session']}.{n}\r\n")
                code, msg = smtp.data(body)
                rec["data"] = [code, reply_text(msg)]
                m = re.search(r"queued as (\w+)", rec["data"][1])
                rec["qid"] = m.group(1) if m else None
            else:
                code, msg = smtp.rset()
                rec["data"] = None
                rec["qid"] = None
            rec["t_end"] = time.time()
            out.append(rec)
        smtp.quit()
    finally:
        smtp.close()
    return out


def run_sessions(sessions, workers=4):
    with ThreadPoolExecutor(max_workers=workers) as ex:
        results = list(ex.map(run_session, sessions))
    return [rec for recs in results for rec in recs]


def queue_state():
    out = subprocess.run(["postqueue", "-j"], capture_output=True, text=True, check=True).stdout
    msgs = [json.loads(line) for line in out.splitlines() if line.strip()]
    return msgs


def deferred_mtimes():
    res = {}
    for root, _, files in os.walk(os.path.join(SPOOL, "deferred")):
        for f in files:
            try:
                res[f] = os.stat(os.path.join(root, f)).st_mtime
            except FileNotFoundError:
                pass
    return res


def settle(expect_deferred, label, timeout, retried_after=None):
    """Bounded wait until the queue holds exactly `expect_deferred` messages,
    all in the deferred queue (and, with retried_after, all re-deferred after
    that time: their retry time is then >= retried_after + minimal_backoff_time)."""
    deadline = time.time() + timeout
    stable, last = 0, None
    while time.time() < deadline:
        msgs = queue_state()
        queues = Counter(m["queue_name"] for m in msgs)
        ok = set(queues) <= {"deferred"} and queues["deferred"] == expect_deferred
        if ok and retried_after is not None:
            mt = deferred_mtimes()
            ok = len(mt) == expect_deferred and all(v >= retried_after + BACKOFF - 1 for v in mt.values())
        last = dict(queues)
        stable = stable + 1 if ok else 0
        if stable >= 3:
            log(f"settled ({label}): {last}")
            return
        time.sleep(0.5)
    raise SystemExit(f"queue did not settle ({label}) within {timeout}s: last state {last}, "
                     f"expected {expect_deferred} deferred")


def log(msg):
    print(f"[maillab {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_reply(code, text):
    m = re.match(r"(\d\.\d{1,3}\.\d{1,3}) <[^>]*>: (.*)$", text)
    if not m:
        return None
    return code, m.group(1), m.group(2)


def verify_replies(sessions, records):
    """Compare every SMTP reply with what the configuration predicts."""
    plan = {(s["session"], n): (s, t) for s in sessions for n, t in enumerate(s["txns"])}
    problems = []
    for rec in records:
        s, t = plan[(rec["session"], rec["txn"])]
        if rec["mail"][0] != 250:
            problems.append(f"session {rec['session']}: MAIL FROM:<{rec['sender']}> got {rec['mail']}")
        for (a, code, text), (rj, _) in zip(rec["rcpts"], t["expect"]):
            if rj is None:
                if code != 250:
                    problems.append(f"session {rec['session']}: RCPT {a}: expected 250, got {code} {text}")
            elif parse_reply(code, text) != (rj["code"], rj["enhanced"], rj["reason"]):
                problems.append(f"session {rec['session']}: RCPT {a}: expected {rj['code']} {rj['enhanced']} "
                                f"{rj['reason']}, got {code} {text}")
        if rec["data"] is not None and (rec["data"][0] != 250 or not rec["qid"]):
            problems.append(f"session {rec['session']}: DATA got {rec['data']}")
    return problems


def cmd_run(args):
    sessions = build_plan(args.seed)
    os.makedirs(args.out, exist_ok=True)
    by_phase = defaultdict(list)
    for s in sessions:
        by_phase[s["phase"]].append(s)
    rng = random.Random(args.seed + 1)
    main = list(by_phase["main"])
    rng.shuffle(main)
    n_early = sum(len(t["rcpts"]) for s in by_phase["early"] for t in s["txns"])
    n_late = sum(len(t["rcpts"]) for s in by_phase["late"] for t in s["txns"])

    t0 = time.time()
    log(f"early phase: {len(by_phase['early'])} sessions")
    records = run_sessions(by_phase["early"])
    early_end = max(r["t_end"] for r in records)
    log(f"main phase: {len(main)} sessions")
    records += run_sessions(main, workers=args.workers)
    log(f"main phase done after {time.time() - t0:.1f}s")
    settle(n_early, "after main phase", args.settle_timeout)

    flush_at = early_end + MAX_QUEUE_LIFETIME + TIME_MARGIN + 1
    late_at = flush_at - (MAX_QUEUE_LIFETIME / 2)
    if time.time() < late_at:
        log(f"waiting {late_at - time.time():.0f}s before the late phase")
        time.sleep(max(0.0, late_at - time.time()))
    log(f"late phase: {len(by_phase['late'])} sessions")
    late = run_sessions(by_phase["late"])
    records += late
    settle(n_early + n_late, "after late phase", args.settle_timeout)
    if time.time() < flush_at:
        log(f"waiting {flush_at - time.time():.0f}s for maximal_queue_lifetime to pass for the early mail")
        time.sleep(max(0.0, flush_at - time.time()))
    flush_time = time.time()
    log("postqueue -f")
    subprocess.run(["postqueue", "-f"], check=True)
    settle(n_late, "after flush", args.settle_timeout, retried_after=flush_time)
    settled_time = time.time()
    log(f"all phases done after {settled_time - t0:.1f}s")

    records.sort(key=lambda r: (r["session"], r["txn"]))
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=False) + "\n")
    problems = verify_replies(sessions, records)
    timing = {"early_end": early_end, "flush": flush_time, "settled": settled_time}
    expected, more = compute_expected(sessions, records, timing, args.seed)
    problems += more
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    # a check only (not used for the truth): what is left in the queue
    left = queue_state()
    if len(left) != expected["final_queue"]["deferred_messages"]:
        problems.append(f"queue holds {len(left)} messages, expected {expected['final_queue']['deferred_messages']}")
    return report_problems(problems, "replies match the configuration; expected.json written")


def report_problems(problems, done):
    """The subcommand's exit status: each problem on stderr (1), else `done` (0)."""
    if problems:
        for p in problems:
            print("MISMATCH: " + p, file=sys.stderr)
        return 1
    log(done)
    return 0


# --------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------


def sorted_rows(counter, keys, extra=None):
    rows = []
    for k, n in counter.items():
        row = dict(zip(keys, k))
        row["count"] = n
        rows.append(row)
    rows.sort(key=lambda r: (-r["count"],) + tuple(str(r[k]) for k in keys))
    return rows


def desc(counter):
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def compute_expected(sessions, records, timing, seed):
    problems = []
    plan = {(s["session"], n): (s, t) for s in sessions for n, t in enumerate(s["txns"])}
    noqueue, withqid, warns = Counter(), Counter(), Counter()
    groups = defaultdict(Counter)
    clients = Counter()
    rcpt_domains = set()
    status = defaultdict(lambda: [0, 0])  # (domain, status) -> [recipients, log lines]
    notif = Counter()
    expired_by_sender, expired_by_dom = Counter(), Counter()
    final_msgs = final_rcpts = 0
    client_msgs = client_rcpts = notifications = 0

    for s in sessions:
        clients[f"{CLIENT_NAMES.get(s['ip'], 'unknown')}[{s['ip']}]"] += 1
    for rec in records:
        s, t = plan[(rec["session"], rec["txn"])]
        g = groups[s["group"]]
        g["transactions"] += 1
        g["rcpt_commands"] += len(rec["rcpts"])
        seen_ok = False
        for (addr, code, text), (rj, wl) in zip(rec["rcpts"], t["expect"]):
            dom = domain_of(addr)
            rcpt_domains.add(dom)
            for w in wl:
                warns[("QUEUEID" if seen_ok else "NOQUEUE", dom, w["code"], w["enhanced"], w["reason"],
                       w["restriction"])] += 1
                g["reject_warning"] += 1
            if code == 250:
                seen_ok = True
                continue
            parsed = parse_reply(code, text)
            if parsed is None or rj is None:
                problems.append(f"unexpected reply for {addr}: {code} {text}")
                continue
            key = (dom,) + parsed + (rj["restriction"], s["listener"])
            if seen_ok:
                withqid[key] += 1
                g["queueid_reject"] += 1
            else:
                noqueue[key] += 1
                g["noqueue_reject"] += 1
        if not rec["qid"]:
            continue
        accepted = [a for a, c, _ in rec["rcpts"] if c == 250]
        client_msgs += 1
        client_rcpts += len(accepted)
        g["accepted_messages"] += 1
        needs_notice = False
        for a in accepted:
            dom, outcome = delivery_route(a)
            if outcome in ("sent", "bounced"):
                status[(dom, outcome)][0] += 1
                status[(dom, outcome)][1] += 1
                g[f"status={outcome}"] += 1
                needs_notice |= outcome == "bounced"
                continue
            # deferred: one status=deferred line per attempt
            if rec["sender"] == "":
                attempts, fate = 1, "expired"  # bounce_queue_lifetime = 0
            elif timing["flush"] - rec["t_end"] > MAX_QUEUE_LIFETIME + TIME_MARGIN:
                attempts, fate = 2, "expired"
            elif timing["settled"] - rec["t_start"] < MAX_QUEUE_LIFETIME - TIME_MARGIN:
                attempts, fate = 2, "queued"
            else:
                problems.append(f"message {rec['qid']} too close to the expiry boundary")
                continue
            status[(dom, "deferred")][0] += 1
            status[(dom, "deferred")][1] += attempts
            g["status=deferred(lines)"] += attempts
            if fate == "expired":
                expired_by_sender[rec["sender"] or "<>"] += 1
                expired_by_dom[dom] += 1
                g["status=expired(messages)"] += 1
                needs_notice |= rec["sender"] != ""
            else:
                final_msgs += 1
                final_rcpts += 1
        if needs_notice and rec["sender"]:
            # one "sender non-delivery notification" per message, from=<>,
            # delivered to the sender (null-sender mail gets none: notify_classes
            # has no 2bounce)
            notifications += 1
            g["notifications"] += 1
            dom, outcome = delivery_route(rec["sender"])
            status[(dom, outcome)][0] += 1
            status[(dom, outcome)][1] += 1
            notif[(dom, outcome)] += 1

    nq_keys = ("domain", "code", "enhanced", "reason", "restriction", "listener")
    by_status = [{"domain": d, "status": st, "recipients": v[0], "log_lines": v[1]}
                 for (d, st), v in status.items()]
    by_status.sort(key=lambda r: (r["status"], -r["recipients"], r["domain"]))
    totals = {}
    for st in ("deferred", "sent", "bounced"):
        rows = [r for r in by_status if r["status"] == st]
        totals[st] = {"recipients": sum(r["recipients"] for r in rows),
                      "log_lines": sum(r["log_lines"] for r in rows)}
    totals["deferred"]["messages"] = totals["deferred"]["recipients"]  # deferred mail is single-recipient

    nq_total, wq_total = sum(noqueue.values()), sum(withqid.values())
    summ = defaultdict(Counter)
    for k, n in noqueue.items():
        dom, code, _, reason, restriction, _ = k
        summ["noqueue_rejects_by_domain"][dom] += n
        summ["noqueue_rejects_by_code"][str(code)] += n
        summ["noqueue_rejects_by_reason"][reason] += n
        summ["noqueue_rejects_by_restriction"][restriction] += n
        summ["all_rcpt_rejects_by_domain (noqueue + queue-id)"][dom] += n
    for k, n in withqid.items():
        summ["all_rcpt_rejects_by_domain (noqueue + queue-id)"][k[0]] += n
    for r in by_status:
        name = {"sent": "sent_by_domain", "bounced": "bounced_by_domain"}.get(r["status"])
        if name:
            summ[name][r["domain"]] += r["recipients"]
    summary = {k: desc(v) for k, v in summ.items()}
    summary["deferred_by_domain (recipients / log lines)"] = {
        r["domain"]: [r["recipients"], r["log_lines"]] for r in by_status if r["status"] == "deferred"}

    expected = {
        "about": "Ground truth for maillog in this folder, written by lab/maillab.py. Computed from the plan "
                 "(what was sent), the Postfix configuration and the SMTP replies received; no log was read "
                 "to produce it.",
        "seed": seed,
        # the classic log stamps carry no year; this is the (local) year of the run
        "year": time.localtime(timing["early_end"]).tm_year,
        "config": {
            "myhostname": MYHOSTNAME,
            "mynetworks": "127.0.0.1/32",
            "mydestination": MYDESTINATION,
            "virtual_mailbox_domains": list(VIRTUAL_MAILBOXES),
            "unknown_local_recipient_reject_code": UNKNOWN_LOCAL_CODE,
            "maximal_queue_lifetime_s": MAX_QUEUE_LIFETIME,
            "bounce_queue_lifetime_s": BOUNCE_QUEUE_LIFETIME,
            "retries": f"none automatic (queue_run_delay=minimal_backoff_time={BACKOFF}s); exactly one "
                       "`postqueue -f` after maximal_queue_lifetime has passed for the early deferred mail",
            "sinks": {name: {"ip": ip, "smtp_sink_options": opts, "outcome": oc}
                      for name, (ip, opts, oc) in SINKS.items()},
        },
        "sent": {
            "sessions": len(sessions),
            "transactions": len(records),
            "rcpt_commands": sum(len(r["rcpts"]) for r in records),
            "sessions_by_client": desc(clients),
            "distinct_recipient_domains": len(rcpt_domains),
        },
        "smtpd_rejects": {
            "noqueue": {"total": nq_total, "lines": sorted_rows(noqueue, nq_keys)},
            "with_queue_id": {
                "total": wq_total, "lines": sorted_rows(withqid, nq_keys),
                "note": "RCPT rejected after an earlier RCPT of the same transaction was accepted: logged as "
                        "'<QUEUEID>: reject: RCPT from ...' instead of 'NOQUEUE: reject:'"},
            "total": nq_total + wq_total,
        },
        "reject_warnings": {
            "total": sum(warns.values()),
            "lines": sorted_rows(warns, ("logged_as", "domain", "code", "enhanced", "reason", "restriction")),
        },
        "cleanup_rejects": {"total": 0, "lines": [], "note": "no header_checks in this lab"},
        "accepted": {
            "client_messages": client_msgs,
            "client_recipients": client_rcpts,
            "bounce_notifications": notifications,
            "queued_messages_total": client_msgs + notifications,
        },
        "deliveries": {
            "by_domain_status": by_status,
            "totals": totals,
            "notification_deliveries": [{"domain": d, "status": st, "count": n} for (d, st), n in notif.items()],
            "note": "status=sent/bounced: one log line per recipient. status=deferred: one line per recipient "
                    "per delivery attempt (log_lines) -- early non-null-sender deferred mail is attempted twice "
                    "(initial + flush) then expires; late deferred mail is attempted twice and is still queued "
                    "at the end; null-sender deferred mail is attempted once and expires at once "
                    "(bounce_queue_lifetime=0). Includes the delivery of the bounce notifications (from=<>). "
                    "Alias deliveries are counted under the to= domain (the expanded address).",
        },
        "expired": {
            "messages": sum(expired_by_sender.values()),
            "log_lines": sum(expired_by_sender.values()),
            "by_sender": desc(expired_by_sender),
            "by_recipient_domain": desc(expired_by_dom),
            "note": "logged per MESSAGE by qmgr: '<QID>: from=<sender>, status=expired, returned to sender' "
                    "(no to=); non-null senders get a sender non-delivery notification",
        },
        "final_queue": {"deferred_messages": final_msgs, "deferred_recipients": final_rcpts},
        "by_scenario_group": {k: dict(v) for k, v in sorted(groups.items())},
        "summary": summary,
    }
    return expected, problems


def listening():
    """{(ip, port)} of the TCP sockets in LISTEN state, from /proc/net/tcp{,6}."""
    socks = set()
    for path, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(path) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4 or fields[3] != "0A":
                continue
            addr, port = fields[1].split(":")
            if v6:
                raw = b"".join(struct.pack("<I", int(addr[i:i + 8], 16)) for i in range(0, 32, 8))
                ip = ipaddress.IPv6Address(raw)
            else:
                ip = ipaddress.IPv4Address(struct.pack("<I", int(addr, 16)))
            socks.add((ip, int(port, 16)))
    return socks


def cmd_wait_listen(args):
    want = []
    for a in args.addrs:
        ip, port = a.rsplit(":", 1)
        want.append((ipaddress.ip_address(ip), int(port)))
    deadline = time.time() + args.timeout
    while True:
        have = listening()
        missing = [w for w in want if w not in have]
        if not missing:
            return 0
        if time.time() > deadline:
            print("nothing listens on " + ", ".join(f"{ip}:{port}" for ip, port in missing), file=sys.stderr)
            return 1
        time.sleep(0.2)


def cmd_check_loopback(args):
    ports = {int(p) for p in args.ports.split(",")}
    bad = sorted(f"{ip}:{port}" for ip, port in listening()
                 if port in ports and not (ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped
                                                              and ip.ipv4_mapped.is_loopback)))
    if bad:
        print("listening on a non-loopback address: " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


def queue_action_sessions():
    """One session per sender (127.0.0.1, port 25), to a deliverable
    mailbox: what happens to the mail is decided by its Subject alone."""
    sessions = []
    for subject, senders in QUEUE_ACTION_SENDERS.items():
        for sender in senders:
            sessions.append({"group": f"Q:{subject}", "phase": "queue-actions", "ip": "127.0.0.1",
                             "helo": "app01.xamxam.example", "listener": "smtp",
                             "txns": [{"sender": sender, "rcpts": ["support@xamxam.example"],
                                       "subject": f"{subject} {len(sessions) + 1}"}]})
    for i, s in enumerate(sessions, 1):
        s["session"] = i
        for t in s["txns"]:
            t["expect"] = [smtpd_decision(s["ip"], s["helo"], s["listener"], t["sender"], a)
                           for a in t["rcpts"]]
    return sessions


def hold_queue():
    return sorted(f for _, _, files in os.walk(os.path.join(SPOOL, "hold")) for f in files)


def cmd_queue_actions(args):
    """The second session: held, discarded and delivered mail, then
    `postsuper -d` of some of the held mail. The truth is what was sent,
    the replies, and the queue ids postsuper was given."""
    sessions = queue_action_sessions()
    os.makedirs(args.out, exist_ok=True)
    records = []
    for s in sessions:  # one at a time: the log's order is the plan's
        records += run_session(s)
    problems = verify_replies(sessions, records)
    by_subject = defaultdict(list)
    for r in records:
        by_subject[r["subject"].rsplit(" ", 1)[0]].append(r)
    held = [r["qid"] for r in by_subject[HOLD_SUBJECT]]
    deadline = time.time() + args.settle_timeout
    while time.time() < deadline:
        # the held mail in the hold queue, the rest delivered (or never queued)
        if hold_queue() == sorted(held) and not [m for m in queue_state() if m["queue_name"] != "hold"]:
            break
        time.sleep(0.5)
    else:
        problems.append(f"hold queue {hold_queue()}, expected {sorted(held)}")
    deleted = held[:DELETE_HELD]
    done = subprocess.run(["postsuper", "-d", "-"], input="".join(q + "\n" for q in deleted),
                          capture_output=True, text=True, check=True)
    log(f"postsuper -d: {done.stderr.strip()}")
    if hold_queue() != sorted(held[DELETE_HELD:]):
        problems.append(f"after postsuper -d: hold queue {hold_queue()}, expected {sorted(held[DELETE_HELD:])}")
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    senders = lambda subject: sorted(r["sender"] for r in by_subject[subject])
    expected = {
        "about": "Ground truth for the queue-actions session's maillog, written by lab/maillab.py "
                 "queue-actions from what was sent, the replies and the queue ids given to postsuper -d; "
                 "no log was read to produce it.",
        "year": time.localtime(records[0]["t_start"]).tm_year,
        "header_checks": [f"{k} {v}" for k, v in HEADER_CHECKS],
        "received": len(records),
        "held": {"messages": len(held), "senders": senders(HOLD_SUBJECT)},
        "discarded": {"messages": len(by_subject[DISCARD_SUBJECT]), "senders": senders(DISCARD_SUBJECT)},
        "delivered": {"messages": len(by_subject["Weekly minutes"]), "senders": senders("Weekly minutes")},
        "deleted_by_postsuper": {"messages": len(deleted), "queue_ids": deleted},
        "on_hold_at_the_end": len(held) - len(deleted),
        "senders": dict(Counter(r["sender"] for r in records)),
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    return report_problems(problems, "queue actions done; expected.json written")


# --------------------------------------------------------------------------
# The third session: a content filter, and mail delivered after a retry
# --------------------------------------------------------------------------

# An amavis-like content filter, set up as Postfix's FILTER_README does it:
# content_filter hands every message to the filter over SMTP on
# 127.0.0.1:10024; the filter injects it back into an smtpd on
# 127.0.0.1:10025 (no content filter, no checks there) and answers with the
# queue id it got, in amavisd-new's words.
FILTER_ADDR = ("127.0.0.1", 10024)
REINJECT_ADDR = ("127.0.0.1", 10025)
FILTER_TRANSPORT = "lab-filter"
REINJECT_SERVICE = f"{REINJECT_ADDR[0]}:{REINJECT_ADDR[1]}"
REINJECT_OPTIONS = [
    "content_filter=",
    "receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters",
    "smtpd_client_restrictions=", "smtpd_helo_restrictions=", "smtpd_sender_restrictions=",
    "smtpd_relay_restrictions=permit_mynetworks,reject",
    "smtpd_recipient_restrictions=permit_mynetworks,reject",
    "mynetworks=127.0.0.0/8",
]

# Next hops of the retry stories, started by the session itself: each
# sink's smtp-sink options for the first delivery attempt and for the retry
# (None: not running, connections refused).
#   two-mx.example: the first next hop defers every RCPT and the second
#     accepts: Postfix tries the second in the same attempt (no deferral);
#   mx-down.example: the first defers every RCPT and the second is down,
#     so the message is deferred; then the first is gone and the second up:
#     the retry is delivered through the second;
#   greylist-once.example: greylists every RCPT, then accepts (the same
#     host takes the retry).
TRY_LATER = ["-r", "RCPT", "-b", "451 4.3.2 Please try again later"]
RETRY_SINKS = {
    "mx-a": ("127.0.0.30", TRY_LATER, TRY_LATER),
    "mx-b": ("127.0.0.31", [], []),
    "mx-c": ("127.0.0.33", TRY_LATER, None),
    "mx-d": ("127.0.0.34", None, []),
    "grey-once": ("127.0.0.32", ["-r", "RCPT", "-b", "451 4.7.1 Greylisted, please try again later"], []),
}
RETRY_ROUTES = {
    "two-mx.example": ["mx-a", "mx-b"],
    "mx-down.example": ["mx-c", "mx-d"],
    "greylist-once.example": ["grey-once"],
}
# Messages of the session per recipient domain (one recipient each);
# partner.example goes to the first session's accepting sink.
FILTER_MESSAGES = {"partner.example": 4, "two-mx.example": 3, "mx-down.example": 3,
                   "greylist-once.example": 3}


def accepting(route, attempt):
    """The next hop of `route` that takes the mail at `attempt` (1: the
    first, 2: the retry): the first that runs and accepts, else None."""
    for name in route:
        options = RETRY_SINKS[name][attempt]
        if options == []:
            return RETRY_SINKS[name][0]
    return None


def retry_routes():
    return {d: "smtp:" + ",".join(f"[{RETRY_SINKS[n][0]}]:25" for n in names)
            for d, names in RETRY_ROUTES.items()}


def cmd_filter_configure(args):
    """Before the third session's Postfix starts: the retry routes in the
    transport map, the filter's transport and re-injection smtpd in
    master.cf, content_filter in main.cf (run-lab.sh restores both)."""
    lab = os.path.join(args.etc, "lab")
    with open(os.path.join(lab, "transport"), "a") as f:
        f.write(table(sorted(retry_routes().items())))
    subprocess.run(["postmap", os.path.join(lab, "transport")], check=True)
    subprocess.run(["postconf", "-M", f"{FILTER_TRANSPORT}/unix={FILTER_TRANSPORT} unix - - n - 4 smtp"],
                   check=True)
    subprocess.run(["postconf", "-M", f"{REINJECT_SERVICE}/inet={REINJECT_SERVICE} inet n - n - - smtpd"],
                   check=True)
    subprocess.run(["postconf", "-P"] + [f"{REINJECT_SERVICE}/inet/{o}" for o in REINJECT_OPTIONS], check=True)
    subprocess.run(["postconf", "-e", f"content_filter={FILTER_TRANSPORT}:[{FILTER_ADDR[0]}]:{FILTER_ADDR[1]}"],
                   check=True)
    return 0


class Filter:
    """The content filter: an SMTP server that passes each message on to
    the re-injection smtpd unchanged and replies with its answer."""

    def __init__(self):
        import socketserver
        import threading
        lab_filter = self
        self.passed = []  # (sender, recipients, re-injected queue id)

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                self.reply("220 filter.lab ESMTP lab content filter")
                sender, rcpts = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                    verb = cmd.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 filter.lab")
                    elif verb == "MAIL":
                        sender, rcpts = re.search(r"<([^>]*)>", cmd).group(1), []
                        self.reply("250 2.1.0 Ok")
                    elif verb == "RCPT":
                        rcpts.append(re.search(r"<([^>]*)>", cmd).group(1))
                        self.reply("250 2.1.5 Ok")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        body = []
                        while True:
                            data = self.rfile.readline()
                            if not data or data in (b".\r\n", b".\n"):
                                break
                            body.append(data[1:] if data.startswith(b"..") else data)
                        self.reply(lab_filter.reinject(sender, rcpts, b"".join(body)))
                    elif verb in ("RSET", "NOOP"):
                        sender, rcpts = (None, []) if verb == "RSET" else (sender, rcpts)
                        self.reply("250 2.0.0 Ok")
                    elif verb == "QUIT":
                        self.reply("221 2.0.0 Bye")
                        return
                    else:
                        self.reply("502 5.5.2 Error: command not recognized")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(FILTER_ADDR, Session)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reinject(self, sender, rcpts, body):
        with smtplib.SMTP(*REINJECT_ADDR, local_hostname="filter.lab", timeout=60) as smtp:
            smtp.ehlo("filter.lab")
            smtp.mail(sender)
            for r in rcpts:
                smtp.rcpt(r)
            code, msg = smtp.data(body)
        text = reply_text(msg)
        m = re.search(r"queued as (\w+)", text)
        self.passed.append((sender, rcpts, m.group(1) if m else None))
        return f"{code} 2.0.0 from MTA(smtp:[{REINJECT_ADDR[0]}]:{REINJECT_ADDR[1]}): {code} {text}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Sinks:
    """The session's own smtp-sink processes, by name."""

    def __init__(self):
        self.running = {}

    def start(self, name, options):
        ip = RETRY_SINKS[name][0]
        self.running[name] = subprocess.Popen(
            ["smtp-sink", "-u", "nobody", "-4", "-h", f"sink-{name}.lab"] + options + [f"{ip}:25", "128"])

    def attempt(self, attempt):
        """The sinks as RETRY_SINKS sets them for `attempt` (1 or 2)."""
        changed = [n for n, sink in RETRY_SINKS.items() if attempt == 1 or sink[1] != sink[2]]
        for name in changed:
            if name in self.running:
                self.stop(name)
        wait_not_listening([(RETRY_SINKS[n][0], 25) for n in changed])
        for name in changed:
            if RETRY_SINKS[name][attempt] is not None:
                self.start(name, RETRY_SINKS[name][attempt])
        wait_listening([(RETRY_SINKS[n][0], 25) for n in self.running])

    def stop(self, name):
        proc = self.running.pop(name)
        proc.terminate()
        proc.wait(timeout=10)

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)


def wait_listening(addrs, timeout=15):
    deadline = time.time() + timeout
    want = {(ipaddress.ip_address(ip), port) for ip, port in addrs}
    while not want <= listening():
        if time.time() > deadline:
            raise SystemExit(f"nothing listens on {sorted(want - listening())}")
        time.sleep(0.2)


def wait_not_listening(addrs, timeout=15):
    deadline = time.time() + timeout
    gone = {(ipaddress.ip_address(ip), port) for ip, port in addrs}
    while gone & listening():
        if time.time() > deadline:
            raise SystemExit(f"still listening: {sorted(gone & listening())}")
        time.sleep(0.2)


def filter_sessions():
    """One session per message (127.0.0.1, port 25), one recipient each."""
    sessions, n = [], 0
    staff = XAMXAM_STAFF
    for domain, count in FILTER_MESSAGES.items():
        for i in range(count):
            n += 1
            sessions.append({"group": f"R:{domain}", "phase": "filter-retries", "ip": "127.0.0.1",
                             "helo": "app01.xamxam.example", "listener": "smtp", "session": n,
                             "txns": [{"sender": f"{staff[n % len(staff)]}@xamxam.example",
                                       "rcpts": [f"user{i + 1}@{domain}"], "subject": f"lab filter {n}"}]})
    for s in sessions:
        for t in s["txns"]:
            t["expect"] = [smtpd_decision(s["ip"], s["helo"], s["listener"], t["sender"], a)
                           for a in t["rcpts"]]
    return sessions


def cmd_filter_retries(args):
    """The third session: every message through the content filter; the
    mail to the retry destinations deferred once, then (the next hops
    changed as RETRY_SINKS says) delivered by `postqueue -f`. The truth is
    what was sent, the replies, and the next hops as they were set up."""
    os.makedirs(args.out, exist_ok=True)
    routes = dict(RETRY_ROUTES, **{"partner.example": None})
    deferred_first = [d for d, route in RETRY_ROUTES.items() if accepting(route, 1) is None
                      for _ in range(FILTER_MESSAGES[d])]
    sinks, lab_filter = Sinks(), Filter()
    problems = []
    try:
        sinks.attempt(1)
        wait_listening([FILTER_ADDR, REINJECT_ADDR])
        sessions = filter_sessions()
        records = []
        for s in sessions:  # one at a time: the log's order is the plan's
            records += run_session(s)
        problems += verify_replies(sessions, records)
        settle(len(deferred_first), "filter: first attempts", args.settle_timeout)
        # A cached connection to a sink of the first attempt must not be
        # reused: wait out smtp_connection_cache_time_limit (2 s).
        sinks.attempt(2)
        time.sleep(3)
        subprocess.run(["postqueue", "-f"], check=True)
        settle(0, "filter: retries delivered", args.settle_timeout)
    finally:
        sinks.stop_all()
        lab_filter.stop()
    if len(lab_filter.passed) != len(records) or any(q is None for _, _, q in lab_filter.passed):
        problems.append(f"the filter passed on {lab_filter.passed}, expected {len(records)} re-injected messages")
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    by_domain = Counter(domain_of(r["rcpts"][0][0]) for r in records if r["qid"])
    # where each message was delivered: the first attempt's accepting next
    # hop, else the retry's
    delivered_via = Counter()
    for d, n in by_domain.items():
        route = routes[d]
        via = SINKS["accept"][0] if route is None else accepting(route, 1) or accepting(route, 2)
        delivered_via[via] += n
    # the first next hop that deferred mail delivered by the next one in
    # the same attempt ("host … said: 451 …", no deferral)
    tried_first = Counter()
    for d, route in RETRY_ROUTES.items():
        if accepting(route, 1) not in (None, RETRY_SINKS[route[0]][0]):
            tried_first[RETRY_SINKS[route[0]][0]] += by_domain[d]
    expected = {
        "about": "Ground truth for the filter-retries session's maillog, written by lab/maillab.py "
                 "filter-retries from what was sent, the replies and the next hops as the session set "
                 "them up; no log was read to produce it.",
        "year": time.localtime(records[0]["t_start"]).tm_year,
        "content_filter": f"{FILTER_TRANSPORT}:[{FILTER_ADDR[0]}]:{FILTER_ADDR[1]}, re-injected through "
                          f"{REINJECT_SERVICE}",
        "retry_routes": retry_routes(),
        "received": len([r for r in records if r["qid"]]),
        "filter_hops": len(lab_filter.passed),
        "delivered": {"messages": sum(by_domain.values()), "by_domain": dict(by_domain),
                      "by_relay": dict(delivered_via)},
        # a message no next hop took at the first attempt: one deferral,
        # then delivered by the retry
        "deferred": {"messages": len(deferred_first), "attempts": len(deferred_first),
                     "by_domain": dict(Counter(deferred_first))},
        "deferred_by_one_next_hop_then_delivered_by_the_next": dict(tried_first),
        "bounced": 0,
        "expired": 0,
        "still_queued_at_the_end": 0,
    }
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    return report_problems(problems, "filter and retries done; expected.json written")


# --------------------------------------------------------------------------
# The report as a mail, through this Postfix
# --------------------------------------------------------------------------

MAIL_TO = "nobody@relay.xamxam.example"
MAIL_FROM = "maillog-report@relay.xamxam.example"
MAILBOX = "/var/mail/nobody"


def mailbox_messages():
    """The messages of MAILBOX (mbox), without their `From ` lines."""
    try:
        with open(MAILBOX, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    messages = re.split(rb"(?:^|\n)From [^\n]*\n", data)
    return [m for m in messages if m.strip()]


def cmd_mail(args):
    """`maillog-report --format mail` of the first session's log, given to
    this Postfix's `sendmail -t` and delivered by local(8) to nobody's
    mailbox: what was sent (DIR/sent.eml) and what the mailbox holds
    (DIR/received.eml), for the tests to compare."""
    os.makedirs(args.out, exist_ok=True)
    year = json.load(open(os.path.join(os.path.dirname(args.log), "expected.json")))["year"]
    sent = subprocess.run([args.bin, "--year", str(year), "--tz", "UTC", "--format", "mail",
                           "--mail-to", MAIL_TO, "--mail-from", MAIL_FROM, args.log],
                          capture_output=True, check=True).stdout
    message_id = re.search(rb"^Message-ID: (<[^>]+>)", sent, re.M).group(1)
    with open(os.path.join(args.out, "sent.eml"), "wb") as f:
        f.write(sent)
    before = len(mailbox_messages())
    subprocess.run(["/usr/sbin/sendmail", "-t", "-i"], input=sent, check=True)
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        received = [m for m in mailbox_messages()[before:] if message_id in m]
        if received:
            break
        time.sleep(0.5)
    else:
        raise SystemExit(f"the mail {message_id.decode()} did not reach {MAILBOX} within {args.timeout}s")
    with open(os.path.join(args.out, "received.eml"), "wb") as f:
        f.write(received[0].lstrip(b"\n"))
    log(f"mail delivered to {MAILBOX}: {len(sent)} bytes sent")
    return 0


def cmd_plan(args):
    sessions = build_plan(args.seed)
    g = defaultdict(Counter)
    for s in sessions:
        g[s["group"]]["sessions"] += 1
        for t in s["txns"]:
            g[s["group"]]["transactions"] += 1
            g[s["group"]]["rcpts"] += len(t["rcpts"])
            for rj, w in t["expect"]:
                g[s["group"]]["rejects" if rj else "accepted"] += 1
                g[s["group"]]["warnings"] += len(w)
    for k in sorted(g):
        print(k, dict(g[k]))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("configure")
    c.add_argument("--etc", default="/etc/postfix")
    c.add_argument("--chroot", default=SPOOL)
    c.add_argument("--sinks", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--seed", type=int, default=SEED)
    r.add_argument("--workers", type=int, default=4)
    r.add_argument("--settle-timeout", type=int, default=90)
    q = sub.add_parser("queue-actions")
    q.add_argument("--out", required=True)
    q.add_argument("--settle-timeout", type=int, default=30)
    fc = sub.add_parser("filter-configure")
    fc.add_argument("--etc", default="/etc/postfix")
    fr = sub.add_parser("filter-retries")
    fr.add_argument("--out", required=True)
    fr.add_argument("--settle-timeout", type=int, default=60)
    ml = sub.add_parser("mail")
    ml.add_argument("--bin", required=True)
    ml.add_argument("--log", required=True)
    ml.add_argument("--out", required=True)
    ml.add_argument("--timeout", type=int, default=30)
    pl = sub.add_parser("plan")
    pl.add_argument("--seed", type=int, default=SEED)
    w = sub.add_parser("wait-listen")
    w.add_argument("--timeout", type=float, default=10)
    w.add_argument("addrs", nargs="+")
    cl = sub.add_parser("check-loopback")
    cl.add_argument("--ports", default="25,587")
    args = ap.parse_args(argv)
    return {"configure": cmd_configure, "run": cmd_run, "queue-actions": cmd_queue_actions,
            "filter-configure": cmd_filter_configure, "filter-retries": cmd_filter_retries, "mail": cmd_mail,
            "plan": cmd_plan,
            "wait-listen": cmd_wait_listen, "check-loopback": cmd_check_loopback}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
