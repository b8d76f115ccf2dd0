#!/usr/bin/env python3
"""A `--format mail` message read back with Python's `email` package.

Run by `tests/mail.rs`. Checks, in SENT (the bytes maillog-report wrote):

1. the headers: Subject is the headline (the text part's first line, and
   SUBJECT if given), To and From are TO and FROM (if given), a Date and a
   Message-ID, MIME-Version 1.0;
2. the structure: multipart/alternative of text/plain (UTF-8) and
   multipart/related, which holds the text/html page first and then
   image/png parts, each inline with a Content-ID;
3. every `cid:` the page names resolves to one of those PNG parts, every
   PNG part is named by the page, and each is a PNG (its signature and an
   IHDR of a non-empty image);
4. the text part equals TEXT (if given: the file of `--format table` of the
   same run).

With --received RECEIVED (the message as Postfix's local(8) stored it in a
mailbox): the same Subject, To, From and Message-ID, and every part's
decoded content byte for byte as sent; Postfix added its own trace headers
(Received, Delivered-To) and nothing else changed.

Every difference is printed; the exit status is 1 if there is any.
"""

import argparse
import email
import email.policy
import re
import struct
import sys


def parts(message):
    """(content type, Content-ID, decoded bytes) of each leaf part."""
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        out.append((part.get_content_type(), part.get("Content-ID"), part.get_payload(decode=True)))
    return out


def check_sent(message, args, problems):
    for header, want in (("Subject", args.subject), ("To", args.to), ("From", args.mail_from)):
        got = str(message.get(header, ""))
        if want is not None and got != want:
            problems.append(f"{header}: {got!r}, expected {want!r}")
    for header in ("Date", "Message-ID"):
        if not message.get(header):
            problems.append(f"no {header} header")
    if message.get("MIME-Version") != "1.0":
        problems.append(f"MIME-Version {message.get('MIME-Version')!r}")
    if message.get_content_type() != "multipart/alternative":
        problems.append(f"top part {message.get_content_type()}, expected multipart/alternative")
        return
    children = message.get_payload()
    types = [c.get_content_type() for c in children]
    if types != ["text/plain", "multipart/related"]:
        problems.append(f"alternative parts {types}, expected text/plain, multipart/related")
        return
    text, related = children
    if text.get_content_charset() != "utf-8":
        problems.append(f"text charset {text.get_content_charset()}")
    got_text = text.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            if got_text != f.read():
                problems.append("the text part differs from --format table's output")
    # The subject is the headline, the report's first line.
    headline = got_text.split("\n", 1)[0]
    if str(message.get("Subject", "")) != headline:
        problems.append(f"Subject {message.get('Subject')!r} is not the headline {headline!r}")
    inner = related.get_payload()
    if not inner or inner[0].get_content_type() != "text/html":
        problems.append("multipart/related does not start with the text/html page")
        return
    page = inner[0].get_payload(decode=True).decode("utf-8")
    named = set(re.findall(r'src="cid:([^"]+)"', page))
    images = {}
    for image in inner[1:]:
        if image.get_content_type() != "image/png":
            problems.append(f"related part {image.get_content_type()}, expected image/png")
            continue
        if image.get_content_disposition() != "inline":
            problems.append(f"image {image.get('Content-ID')} not inline")
        cid = (image.get("Content-ID") or "").strip("<>")
        images[cid] = image.get_payload(decode=True)
    if named != set(images):
        problems.append(f"cids in the page {sorted(named)}, PNG parts {sorted(images)}")
    if len(named) < args.min_images:
        problems.append(f"{len(named)} images, expected at least {args.min_images}")
    for cid, png in images.items():
        if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
            problems.append(f"{cid}: not a PNG")
            continue
        width, height = struct.unpack(">II", png[16:24])
        if width == 0 or height == 0:
            problems.append(f"{cid}: an empty {width}x{height} image")


def check_received(sent, received, problems):
    for header in ("Subject", "To", "From", "Message-ID"):
        if str(sent.get(header)) != str(received.get(header)):
            problems.append(f"received {header} {received.get(header)!r}, sent {sent.get(header)!r}")
    if not received.get("Received") or not received.get("Delivered-To"):
        problems.append("no Received or Delivered-To header: not delivered by Postfix")
    sent_parts, received_parts = parts(sent), parts(received)
    if [p[:2] for p in sent_parts] != [p[:2] for p in received_parts]:
        problems.append(f"parts {[p[:2] for p in received_parts]}, sent {[p[:2] for p in sent_parts]}")
        return
    for (kind, cid, a), (_, _, b) in zip(sent_parts, received_parts):
        if a != b:
            problems.append(f"part {kind} {cid or ''}: {len(b)} bytes received, {len(a)} sent, not equal")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sent")
    ap.add_argument("--subject")
    ap.add_argument("--to")
    ap.add_argument("--from", dest="mail_from")
    ap.add_argument("--text")
    ap.add_argument("--min-images", type=int, default=1)
    ap.add_argument("--received")
    args = ap.parse_args()
    problems = []
    with open(args.sent, "rb") as f:
        sent = email.message_from_binary_file(f, policy=email.policy.default)
    check_sent(sent, args, problems)
    if args.received:
        with open(args.received, "rb") as f:
            received = email.message_from_binary_file(f, policy=email.policy.default)
        check_received(sent, received, problems)
    for p in problems:
        print(p)
    print("ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
