#!/usr/bin/env python3
"""Checks TIP's event log without TIP's code: an independent verifier.

It reads a log exported by TIP (`npm run tip -- export-log FILE`, or GET /api/audit/export:
format tip-log/1, one JSON document per line) and checkpoints an auditor kept (tip-checkpoint/1,
from GET /api/audit/checkpoints), and checks, from the bytes alone:

  * each checkpoint's Ed25519 signature over RFC 9162's TreeHeadDataV2;
  * the Merkle tree (RFC 9162) over every event in global order, leaf = the event as stored,
    against each kept checkpoint and each signed head in the export: a history a head once
    covered must still hash to its root, so any change to it shows;
  * every stream's hash chain, and each event's columns against its own metadata;
  * where the export's stored leaves are genuine (they hash to a signed root), which events
    differ from what the tree recorded: altered, inserted, gone or moved.

It reports every problem it finds (up to --max-problems) and goes on past each. Exit status:
0 intact, 1 problems found, 2 the input cannot be read.

    python3 tools/verify-log.py log EXPORT --checkpoint KEPT.json [--checkpoint MORE.json]
                                [--public-key BASE64] [--max-problems N]
    python3 tools/verify-log.py consistency --old OLD.json --new NEW.json --proof PROOF.json
    python3 tools/verify-log.py inclusion --head HEAD.json --proof PROOF.json

`consistency` checks a proof from GET /api/audit/proofs/consistency that a newer head extends
one kept earlier; `inclusion` one from GET /api/audit/proofs/inclusion that an event (given
in the proof, as stored) is in a head's tree.

Python 3.8+ standard library only, plus ed25519_rfc8032.py beside this file (the reference
code of RFC 8032, whose licence allows copying it).
"""

import argparse
import base64
import hashlib
import json
import re
import struct
import sys

import ed25519_rfc8032

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
GENESIS_HEX = "00" * 32
CHUNK_SIZE = 256
RECENT_HEADS_CHECKED = 100
CHECKPOINT_FORMAT = "tip-checkpoint/1"
LOG_FORMAT = "tip-log/1"


class InputError(Exception):
    """The input is not what this verifier reads."""


# ── RFC 9162 Merkle tree ───────────────────────────────────────────────────────────────────


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(leaf_input):
    return sha256(b"\x00" + leaf_input)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


class Frontier:
    """The roots of the complete subtrees along the right edge of a growing tree."""

    def __init__(self):
        self.size = 0
        self.subtrees = []

    def append(self, leaf):
        node = leaf
        size = self.size
        while size & 1:
            node = node_hash(self.subtrees.pop(), node)
            size >>= 1
        self.subtrees.append(node)
        self.size += 1

    def root(self):
        if not self.subtrees:
            return EMPTY_ROOT
        root = self.subtrees[-1]
        for left in reversed(self.subtrees[:-1]):
            root = node_hash(left, root)
        return root


def verify_inclusion(leaf, index, size, path, root):
    """RFC 9162 2.1.3.2, every step checked."""
    if index < 0 or index >= size or len(leaf) != HASH_BYTES or len(root) != HASH_BYTES:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if len(p) != HASH_BYTES or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2, every step checked."""
    if first < 0 or first > second or any(len(h) != HASH_BYTES for h in [first_root, second_root, *path]):
        return False
    if first == 0:
        return not path and first_root == EMPTY_ROOT
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = [first_root, *path] if first & (first - 1) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# ── An event's leaf (TIP's event leaf version 1, see libs/audit/src/merkle/event-leaf.ts) ───


def opaque(text, length_bytes):
    data = text.encode("utf-8")
    if len(data) >= 1 << (8 * length_bytes):
        raise InputError("a field is too long for its leaf length prefix")
    return len(data).to_bytes(length_bytes, "big") + data


def event_leaf_input(event, position=None):
    return b"".join(
        [
            struct.pack(">BQ", 1, event["position"] if position is None else position),
            opaque(event["streamId"], 2),
            struct.pack(">Q", event["revision"]),
            opaque(event["eventId"], 1),
            opaque(event["type"], 2),
            struct.pack(">I", event["schemaVersion"]),
            opaque(event["businessTime"], 1),
            opaque(event["recordedTime"], 1),
            opaque(event["data"], 4),
            opaque(event["metadata"], 4),
        ]
    )


def event_leaf_hash(event, position=None):
    return leaf_hash(event_leaf_input(event, position))


# ── Hash chains (SHA-256 of the previous hash and the canonical content) ────────────────────


def json_string(text):
    # Stream ids and types hold no control characters, so this is the text JavaScript writes.
    return json.dumps(text, ensure_ascii=False)


def content_hash(event):
    text = (
        '{"data":' + event["data"] + ',"metadata":' + event["metadata"] + ',"streamId":'
        + json_string(event["streamId"]) + ',"type":' + json_string(event["type"]) + "}"
    )
    return sha256(text.encode("utf-8"))


def chain_hash(previous_hex, content):
    return sha256(bytes.fromhex(previous_hex) + content).hex()


INSTANT = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|([+-])(\d\d):(\d\d))$")
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def days_from_civil(year, month, day):
    y = year - 1 if month <= 2 else year
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def canonical_instant(text):
    """An ISO-8601 instant as TIP stores it: UTC, microseconds. None for what is no instant."""
    match = INSTANT.match(text) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int((match.group(7) or "0").ljust(6, "0"))
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not (1 <= month <= 12 and 1 <= day <= DAYS_IN_MONTH[month - 1] and hour <= 24 and minute <= 59 and second <= 59):
        return None
    if month == 2 and day == 29 and not leap:
        return None
    if hour == 24 and (minute or second or micro):
        return None
    offset = 0
    if match.group(8) != "Z":
        offset = (1 if match.group(9) == "+" else -1) * (int(match.group(10)) * 3600 + int(match.group(11)) * 60)
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    days, rest = divmod(seconds, 86400)
    # Back from days since 1970 to a civil date (H. Hinnant's civil_from_days).
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (y, m, d, rest // 3600, rest % 3600 // 60, rest % 60, micro)


# ── Checkpoints (signed tree heads) ────────────────────────────────────────────────────────


def tree_head_data(timestamp, tree_size, root):
    """RFC 9162 4.10 TreeHeadDataV2: timestamp, tree_size, root_hash<32..255>, no extensions."""
    return struct.pack(">QQB", timestamp, tree_size, len(root)) + root + b"\x00\x00"


def read_checkpoint(value, source):
    fields = {
        "keyId": re.compile(r"^[0-9a-f]{64}$"),
        "publicKey": re.compile(r"^[A-Za-z0-9+/]{43}=$"),
        "rootHash": re.compile(r"^[0-9a-f]{64}$"),
        "signature": re.compile(r"^[A-Za-z0-9+/]{86}==$"),
    }
    if not isinstance(value, dict) or value.get("format") != CHECKPOINT_FORMAT:
        raise InputError("%s is not a %s checkpoint" % (source, CHECKPOINT_FORMAT))
    for name, pattern in fields.items():
        if not isinstance(value.get(name), str) or not pattern.match(value[name]):
            raise InputError("%s: %s is malformed" % (source, name))
    for name in ("treeSize", "timestamp", "lastPosition"):
        if not isinstance(value.get(name), int) or isinstance(value.get(name), bool) or value[name] < 0:
            raise InputError("%s: %s must be a whole number" % (source, name))
    return value


def signature_problem(checkpoint, trusted_key):
    public = base64.b64decode(checkpoint["publicKey"])
    if hashlib.sha256(public).hexdigest() != checkpoint["keyId"]:
        return "its keyId is not the SHA-256 of its public key"
    if trusted_key is not None and public != trusted_key:
        return "it was signed by key %s, not by the trusted key %s" % (
            checkpoint["keyId"],
            hashlib.sha256(trusted_key).hexdigest(),
        )
    data = tree_head_data(checkpoint["timestamp"], checkpoint["treeSize"], bytes.fromhex(checkpoint["rootHash"]))
    if not ed25519_rfc8032.verify(public, data, base64.b64decode(checkpoint["signature"])):
        return "its signature does not match its tree size, root hash and timestamp"
    return None


# ── The log ────────────────────────────────────────────────────────────────────────────────


class Anchor:
    def __init__(self, source, checkpoint):
        self.source = source
        self.checkpoint = checkpoint
        self.tree_size = checkpoint["treeSize"]
        self.matches = None
        self.signature_checked = False


class LogCheck:
    def __init__(self, kept, trusted_key, max_problems):
        self.kept = [Anchor("kept checkpoint", each) for each in kept]
        self.anchors = list(self.kept)
        self.trusted_key = trusted_key
        self.max_problems = max_problems
        self.problems = []
        self.problem_count = 0
        self.safe_position = None
        self.events = 0
        self.chains = {}
        self.frontier = Frontier()
        self.next_anchor = 0
        self.recorded = []
        self.recorded_at = 0
        self.recorded_frontier = Frontier()
        self.next_recorded_anchor = 0
        self.recorded_genuine = True
        self.confirmed_leaves = 0
        self.mismatches = []
        self.unexpected = []
        self.vanished = []
        self.saw_heads = False
        self.next_chunk = 0

    def report(self, kind, check, message, event=None, position=None):
        self.problem_count += 1
        if len(self.problems) < self.max_problems:
            if event is not None:
                position = event["position"]
            self.problems.append((position, kind, check, message))

    # The export, line by line.

    def head(self, checkpoint):
        self.anchors.append(Anchor("signed head", checkpoint))

    def start(self, safe_position):
        self.safe_position = safe_position
        self.anchors.sort(key=lambda anchor: anchor.tree_size)
        self.reach_anchors()

    def leaves(self, line):
        chunk = line["chunk"]
        if chunk != self.next_chunk:
            # A chunk of the stored tree is missing: its leaves cannot be trusted to name anything.
            self.recorded_genuine = False
        self.next_chunk = chunk + 1
        for at, (position, leaf) in enumerate(zip(line["positions"], line["leaves"])):
            if position <= self.safe_position:
                self.recorded.append((chunk * CHUNK_SIZE + at, position, bytes.fromhex(leaf)))

    def event(self, event):
        self.events += 1
        self.check_fields(event)
        self.check_chain(event)
        if event["position"] <= self.safe_position:
            self.add_leaf(event)

    def check_fields(self, event):
        try:
            metadata = json.loads(event["metadata"])
        except ValueError:
            self.report("inconsistent", "event-fields", "event at position %d: its metadata is not JSON" % event["position"], event)
            return
        differences = []
        if metadata.get("eventId") != event["eventId"]:
            differences.append("event_id differs from the metadata's eventId")
        if metadata.get("schemaVersion") != event["schemaVersion"]:
            differences.append("schema_version differs from the metadata's schemaVersion")
        for name, column in (("businessTime", "business_time"), ("recordedTime", "recorded_time")):
            if canonical_instant(metadata.get(name)) != event[name]:
                differences.append("%s (%s) differs from the metadata's %s (%s)" % (column, event[name], name, metadata.get(name)))
        if differences:
            self.report(
                "inconsistent",
                "event-fields",
                'event at position %d (stream "%s", revision %d): %s'
                % (event["position"], event["streamId"], event["revision"], "; ".join(differences)),
                event,
            )

    def check_chain(self, event):
        stream = event["streamId"]
        chain = self.chains.get(stream)
        expected = chain["revision"] + 1 if chain else 0
        content = content_hash(event)
        if chain and chain.get("suspect"):
            self.settle_suspect(chain, event, content)
        if event["revision"] < expected:
            self.report(
                "out-of-order",
                "hash-chain",
                'revision %d of stream "%s" stands at position %d, after revision %d at position %d: '
                "the stream's events are not in global order"
                % (event["revision"], stream, event["position"], chain["revision"], chain["position"]),
                event,
            )
            return
        head_seen = chain.get("head_seen", False) if chain else False
        if event["revision"] > expected:
            self.report(
                "missing",
                "hash-chain",
                'revisions %d..%d of stream "%s" are missing before position %d'
                % (expected, event["revision"] - 1, stream, event["position"]),
                event,
            )
            self.chains[stream] = {"revision": event["revision"], "hash": event["hash"], "position": event["position"], "head_seen": head_seen}
            return
        previous = chain["hash"] if chain else GENESIS_HEX
        following = {"revision": event["revision"], "hash": event["hash"], "position": event["position"], "head_seen": head_seen}
        if chain_hash(previous, content) != event["hash"]:
            following["suspect"] = (event, previous)
        self.chains[stream] = following

    def settle_suspect(self, chain, following, following_content):
        suspect, chained_from = chain.pop("suspect")
        skipped = following["revision"] == suspect["revision"] + 1 and chain_hash(chained_from, following_content) == following["hash"]
        self.report_suspect(suspect, skipped)
        if skipped:
            chain["revision"] = following["revision"] - 1
            chain["hash"] = chained_from

    def report_suspect(self, event, inserted):
        what = "is not part of its chain" if inserted else "does not match its hash"
        self.report(
            "inserted" if inserted else "altered",
            "hash-chain",
            'event at revision %d of stream "%s" (position %d) %s' % (event["revision"], event["streamId"], event["position"], what),
            event,
        )

    def settle_all_suspects(self):
        for chain in self.chains.values():
            if chain.get("suspect"):
                self.report_suspect(chain.pop("suspect")[0], False)

    def stream_head(self, head):
        if not self.saw_heads:
            self.saw_heads = True
            self.settle_all_suspects()
        stream = head["streamId"]
        chain = self.chains.get(stream)
        if chain is None:
            self.report(
                "missing",
                "hash-chain",
                'stream "%s" has no events, but the store recorded it up to revision %d: every event was deleted' % (stream, head["revision"]),
            )
            return
        chain["head_seen"] = True
        if head["revision"] > chain["revision"]:
            self.report(
                "missing",
                "hash-chain",
                'revisions %d..%d of stream "%s" are missing at its end' % (chain["revision"] + 1, head["revision"], stream),
            )
        elif head["revision"] < chain["revision"] or head["lastHash"] != chain["hash"]:
            self.report(
                "inserted" if head["revision"] < chain["revision"] else "altered",
                "hash-chain",
                'the end of stream "%s" differs from the store\'s record (revision %d)' % (stream, head["revision"]),
                position=chain["position"],
            )

    # The tree.

    def add_leaf(self, event):
        leaf = event_leaf_hash(event)
        self.frontier.append(leaf)
        self.take_recorded_before(event["position"])
        if self.recorded_at < len(self.recorded) and self.recorded[self.recorded_at][1] == event["position"]:
            recorded = self.recorded[self.recorded_at]
            self.recorded_at += 1
            self.track_recorded(recorded)
            if recorded[2] != leaf:
                self.mismatches.append((event, recorded))
        elif self.recorded_at < len(self.recorded):
            self.unexpected.append(event)
        self.reach_anchors()

    def take_recorded_before(self, position):
        while self.recorded_at < len(self.recorded) and self.recorded[self.recorded_at][1] < position:
            self.vanished.append(self.recorded[self.recorded_at])
            self.track_recorded(self.recorded[self.recorded_at])
            self.recorded_at += 1

    def track_recorded(self, recorded):
        if recorded[0] != self.recorded_frontier.size:
            self.recorded_genuine = False
            return
        self.recorded_frontier.append(recorded[2])
        while self.next_recorded_anchor < len(self.anchors):
            anchor = self.anchors[self.next_recorded_anchor]
            if anchor.tree_size > self.recorded_frontier.size:
                break
            self.next_recorded_anchor += 1
            if anchor.tree_size != self.recorded_frontier.size:
                continue
            if self.recorded_frontier.root().hex() == anchor.checkpoint["rootHash"]:
                self.confirmed_leaves = anchor.tree_size
            else:
                self.recorded_genuine = False

    def reach_anchors(self):
        while self.next_anchor < len(self.anchors) and self.anchors[self.next_anchor].tree_size <= self.frontier.size:
            anchor = self.anchors[self.next_anchor]
            self.next_anchor += 1
            if anchor.tree_size == self.frontier.size:
                self.compare(anchor)

    def compare(self, anchor):
        root = self.frontier.root().hex()
        checkpoint = anchor.checkpoint
        anchor.matches = root == checkpoint["rootHash"]
        if not anchor.matches or anchor.source == "kept checkpoint" or checkpoint.get("reason") == "week-end":
            self.check_signature(anchor)
        if not anchor.matches:
            self.report(
                "tree",
                "checkpoint" if anchor.source == "kept checkpoint" else "signed-head",
                "the first %d events of the log no longer hash to the root of the %s signed at %s (%s..., now %s...): "
                "history it covers was changed" % (anchor.tree_size, anchor.source, checkpoint.get("signedAt"), checkpoint["rootHash"][:16], root[:16]),
            )

    def check_signature(self, anchor):
        if anchor.signature_checked:
            return
        anchor.signature_checked = True
        problem = signature_problem(anchor.checkpoint, self.trusted_key)
        if problem:
            self.report(
                "signature",
                "checkpoint" if anchor.source == "kept checkpoint" else "signed-head",
                "the %s of %d events signed at %s is not genuine: %s" % (anchor.source, anchor.tree_size, anchor.checkpoint.get("signedAt"), problem),
            )

    def finish(self):
        self.settle_all_suspects()
        if self.saw_heads:
            for stream, chain in self.chains.items():
                if not chain.get("head_seen"):
                    self.report("inserted", "hash-chain", 'stream "%s" has events but the store never created it' % stream, position=chain["position"])
        self.take_recorded_before(float("inf"))
        for anchor in self.anchors[self.next_anchor:]:
            if anchor.source == "signed head" and anchor.checkpoint["lastPosition"] > self.safe_position:
                continue
            self.report(
                "missing",
                "checkpoint" if anchor.source == "kept checkpoint" else "signed-head",
                "the %s signed at %s covers %d events, but the log now holds only %d up to position %d: events it covered were deleted"
                % (anchor.source, anchor.checkpoint.get("signedAt"), anchor.tree_size, self.frontier.size, self.safe_position),
            )
        reached = [anchor for anchor in self.anchors if anchor.source == "signed head" and anchor.matches is not None]
        if reached:
            self.check_signature(reached[-1])
        # A head forged into the table over an altered log would match it: the heads stored last
        # are checked whatever their root (every minute's head would take too long).
        recent = sorted(reached, key=lambda anchor: anchor.checkpoint.get("id", 0), reverse=True)[:RECENT_HEADS_CHECKED]
        for anchor in recent:
            self.check_signature(anchor)
        self.name_leaf_problems()
        return reached[-1] if reached else None

    def name_leaf_problems(self):
        if not self.recorded_genuine:
            self.report(
                "tree",
                "tree-leaves",
                "the stored Merkle leaves in the export do not hash to the signed heads: they were rewritten, "
                "so they cannot name the events that differ",
            )
            return
        if not (self.mismatches or self.unexpected or self.vanished):
            return
        candidates = ([recorded for _, recorded in self.mismatches] + self.vanished)[:2000]
        moved, claimed = set(), set()
        for event in ([event for event, _ in self.mismatches] + self.unexpected)[:2000]:
            for recorded in candidates:
                if recorded[1] == event["position"] or recorded[0] in claimed:
                    continue
                if event_leaf_hash(event, recorded[1]) == recorded[2]:
                    moved.add(id(event))
                    claimed.add(recorded[0])
                    self.report(
                        "moved",
                        "tree-leaves",
                        'event %s (stream "%s", revision %d) stands at position %d, but the tree recorded it at position %d'
                        % (event["eventId"], event["streamId"], event["revision"], event["position"], recorded[1]),
                        event,
                    )
                    break
        hedge = " (no signed head covers it yet: the event or the stored leaf was changed)"
        for event, recorded in self.mismatches:
            if id(event) not in moved:
                self.report(
                    "altered",
                    "tree-leaves",
                    'the event at position %d (stream "%s", revision %d) is not the one the tree recorded there%s'
                    % (event["position"], event["streamId"], event["revision"], "" if recorded[0] < self.confirmed_leaves else hedge),
                    event,
                )
        for event in self.unexpected:
            if id(event) not in moved:
                self.report(
                    "inserted",
                    "tree-leaves",
                    'the event at position %d (stream "%s", revision %d) was not in the log when the tree recorded it'
                    % (event["position"], event["streamId"], event["revision"]),
                    event,
                )
        for recorded in self.vanished:
            if recorded[0] not in claimed:
                self.report(
                    "missing",
                    "tree-leaves",
                    "the event the tree recorded at position %d (leaf %d) is gone%s"
                    % (recorded[1], recorded[0], "" if recorded[0] < self.confirmed_leaves else hedge),
                    position=recorded[1],
                )


EVENT_FIELDS = {
    "position": int,
    "streamId": str,
    "revision": int,
    "eventId": str,
    "type": str,
    "schemaVersion": int,
    "businessTime": str,
    "recordedTime": str,
    "data": str,
    "metadata": str,
    "hash": str,
}


def read_event(line, number):
    for name, kind in EVENT_FIELDS.items():
        if not isinstance(line.get(name), kind) or isinstance(line.get(name), bool):
            raise InputError("line %d: an event's %s must be %s" % (number, name, "a number" if kind is int else "a string"))
    return line


def check_log(path, kept, trusted_key, max_problems, out):
    check = LogCheck(kept, trusted_key, max_problems)
    header = None
    ended = False
    with open(path, "r", encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError:
                raise InputError("line %d is not JSON" % number)
            kind = line.get("kind") if isinstance(line, dict) else None
            if number == 1:
                if kind != "header" or line.get("format") != LOG_FORMAT:
                    raise InputError("%s is not a %s export (its first line is no header)" % (path, LOG_FORMAT))
                header = line
            elif kind == "head":
                check.head(read_checkpoint(line, "line %d" % number))
            elif kind == "start":
                check.start(line["safePosition"])
            elif kind == "leaves":
                check.leaves(line)
            elif kind == "event":
                if check.safe_position is None:
                    raise InputError("line %d: an event before the start line" % number)
                check.event(read_event(line, number))
            elif kind == "streamHead":
                check.stream_head(line)
            elif kind == "end":
                ended = True
                if line.get("events") != check.events:
                    check.report("missing", "export", "the export says it holds %s events, but %d were read" % (line.get("events"), check.events))
            else:
                raise InputError("line %d: unknown kind %r" % (number, kind))
    if header is None or check.safe_position is None:
        raise InputError("%s holds no log" % path)
    if not ended:
        check.report("missing", "export", "the export ends before its end line: it was cut short")
    latest = check.finish()

    out.write("Checked %d events in %d streams; the tree over the first %d has root %s.\n" % (check.events, len(check.chains), check.frontier.size, check.frontier.root().hex()))
    for anchor in check.kept:
        state = "not reached" if anchor.matches is None else ("matches" if anchor.matches else "DOES NOT MATCH")
        out.write("Kept checkpoint of %d events signed at %s: %s.\n" % (anchor.tree_size, anchor.checkpoint.get("signedAt"), state))
    if latest:
        out.write(
            "Newest signed head reached: %d events, signed at %s: %s.\n"
            % (latest.tree_size, latest.checkpoint.get("signedAt"), "matches" if latest.matches else "DOES NOT MATCH")
        )
        if check.frontier.size > latest.tree_size:
            out.write("%d events after it are covered by their hash chains only.\n" % (check.frontier.size - latest.tree_size))
    if check.problem_count == 0:
        out.write("INTACT: no problem found.\n")
        return 0
    out.write("BROKEN: %d problem%s found:\n" % (check.problem_count, "" if check.problem_count == 1 else "s"))
    for position, kind, check_name, message in sorted(check.problems, key=lambda each: (each[0] is None, each[0] or 0)):
        out.write("  [%s] %s: %s\n" % (check_name, kind, message))
    if check.problem_count > len(check.problems):
        out.write("  ... and %d more\n" % (check.problem_count - len(check.problems)))
    return 1


def load_json(path, what):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise InputError("cannot read %s %s: %s" % (what, path, error))


def unhex_list(values, what):
    if not isinstance(values, list) or not all(isinstance(each, str) and re.match(r"^[0-9a-f]{64}$", each) for each in values):
        raise InputError("%s must be a list of 64-hex-digit hashes" % what)
    return [bytes.fromhex(each) for each in values]


def trusted_key_of(text, checkpoints):
    if text:
        key = base64.b64decode(text)
        if len(key) != 32:
            raise InputError("--public-key must be a 32-byte Ed25519 key in base64")
        return key
    # Without a pinned key, the first kept checkpoint's key is the one every head must carry.
    return base64.b64decode(checkpoints[0]["publicKey"]) if checkpoints else None


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    log = modes.add_parser("log", help="check an exported log against kept checkpoints")
    log.add_argument("export")
    log.add_argument("--checkpoint", action="append", default=[], help="a checkpoint kept earlier (repeatable)")
    log.add_argument("--public-key", help="the log's Ed25519 public key (base64), as the README publishes it")
    log.add_argument("--max-problems", type=int, default=1000)
    consistency = modes.add_parser("consistency", help="check that a newer head extends one kept earlier")
    consistency.add_argument("--old", required=True)
    consistency.add_argument("--new", required=True)
    consistency.add_argument("--proof", required=True)
    consistency.add_argument("--public-key")
    inclusion = modes.add_parser("inclusion", help="check that an event is in a head's tree")
    inclusion.add_argument("--head", required=True)
    inclusion.add_argument("--proof", required=True)
    inclusion.add_argument("--public-key")
    args = parser.parse_args(argv)
    out = sys.stdout
    try:
        if args.mode == "log":
            kept = [read_checkpoint(load_json(path, "checkpoint"), path) for path in args.checkpoint]
            trusted = trusted_key_of(args.public_key, kept)
            if trusted is None:
                out.write("Warning: no --public-key and no kept checkpoint: heads are checked against their own keys.\n")
            return check_log(args.export, kept, trusted, args.max_problems, out)
        if args.mode == "consistency":
            old = read_checkpoint(load_json(args.old, "checkpoint"), args.old)
            new = read_checkpoint(load_json(args.new, "checkpoint"), args.new)
            proof = load_json(args.proof, "proof")
            trusted = trusted_key_of(args.public_key, [old])
            problems = [p for p in (signature_problem(old, trusted), signature_problem(new, trusted)) if p]
            if proof.get("from") != old["treeSize"] or proof.get("to") != new["treeSize"]:
                problems.append("the proof is from %s to %s, not from %d to %d" % (proof.get("from"), proof.get("to"), old["treeSize"], new["treeSize"]))
            elif not verify_consistency(
                old["treeSize"], new["treeSize"], bytes.fromhex(old["rootHash"]), bytes.fromhex(new["rootHash"]),
                unhex_list(proof.get("consistencyPath"), "consistencyPath"),
            ):
                problems.append("the proof does not show that the tree of %d events extends the one of %d" % (new["treeSize"], old["treeSize"]))
            for problem in problems:
                out.write("BROKEN: %s\n" % problem)
            if not problems:
                out.write("CONSISTENT: the head of %d events extends the kept one of %d.\n" % (new["treeSize"], old["treeSize"]))
            return 1 if problems else 0
        head = read_checkpoint(load_json(args.head, "checkpoint"), args.head)
        proof = load_json(args.proof, "proof")
        trusted = trusted_key_of(args.public_key, [head])
        problems = [p for p in (signature_problem(head, trusted),) if p]
        event = read_event(proof.get("event") or {}, 0)
        if proof.get("treeSize") != head["treeSize"]:
            problems.append("the proof is for a tree of %s events, the head's has %d" % (proof.get("treeSize"), head["treeSize"]))
        elif not verify_inclusion(
            event_leaf_hash(event), proof.get("leafIndex", -1), head["treeSize"],
            unhex_list(proof.get("auditPath"), "auditPath"), bytes.fromhex(head["rootHash"]),
        ):
            problems.append("the event at position %d is not proven to be in the head's tree" % event["position"])
        for problem in problems:
            out.write("BROKEN: %s\n" % problem)
        if not problems:
            out.write("INCLUDED: the event at position %d is leaf %d of the head's tree.\n" % (event["position"], proof["leafIndex"]))
        return 1 if problems else 0
    except InputError as error:
        sys.stderr.write("verify-log: %s\n" % error)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
