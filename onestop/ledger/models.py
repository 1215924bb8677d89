"""Tables of the append-only log. Rows are written only by `services`; nothing is ever updated
except the single `LogHead` row, which also serialises appends (select_for_update)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LogHead(models.Model):
    """The one row (pk=1) that says how big the log is.

    `frontier` holds the hashes of the perfect subtrees that make up the tree of `size` leaves
    (largest first, 32 bytes each): the root of the current tree without reading tiles.
    """

    size = models.PositiveBigIntegerField(_("tree size"), default=0)
    frontier = models.BinaryField(_("frontier"), default=b"")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("log head")
        verbose_name_plural = _("log heads")

    def __str__(self) -> str:
        return f"size {self.size}"


class Entry(models.Model):
    """One leaf. Its leaf data is the canonical JSON of {"kind": kind, "payload": payload}."""

    index = models.PositiveBigIntegerField(_("index"), primary_key=True)
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)
    # not indexed: only the admin's filter reads by kind, and the two indexes Django made for
    # it (btree and varchar_pattern_ops) were half the WAL records of a batched append
    kind = models.CharField(_("kind"), max_length=64)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["index"]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"


class Tile(models.Model):
    """One C2SP tlog-tiles hash tile: up to 256 consecutive hashes of tree level 8 * `level`
    (see `onestop.ledger.tiles`). `hashes` is the tile exactly as served (32 bytes per hash, its
    width is len / 32); `inner` holds the perfect subtrees inside the tile (tree levels
    8 * level + 1 .. + 7) in a fixed layout, zero where not complete yet. A full tile (256
    hashes) never changes again; the partial tile of each level grows as entries append."""

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.PositiveBigIntegerField(_("index"))
    hashes = models.BinaryField(_("hashes"), max_length=8192)
    inner = models.BinaryField(_("inner subtree hashes"), max_length=8128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_level_index"),
        ]
        verbose_name = _("tile")
        verbose_name_plural = _("tiles")

    def __str__(self) -> str:
        return f"tile/{self.level}/{self.index} ({len(self.hashes) // 32} hashes)"


class Checkpoint(models.Model):
    """A signed checkpoint this node published (at most one per tree size and key)."""

    size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    kid = models.CharField(_("key id"), max_length=64)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-size", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["size", "kid"], name="ledger_checkpoint_size_kid"),
        ]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's tlog-cosignature/v1 over one checkpoint body, as received and verified."""

    origin = models.CharField(_("log origin"), max_length=255)
    size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    witness_name = models.CharField(_("witness name"), max_length=255)
    witness_key_id = models.BinaryField(_("witness key id"), max_length=4)
    timestamp = models.PositiveBigIntegerField(_("cosignature time (Unix seconds)"))
    line = models.TextField(_("signature line"))
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-size", "witness_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "size", "witness_name", "timestamp"],
                name="ledger_cosignature_unique",
            ),
        ]
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")

    def __str__(self) -> str:
        return f"{self.witness_name} @ {self.origin} {self.size}"


class WitnessedLog(models.Model):
    """A log this node witnesses (c2sp.org/tlog-witness): its origin, the verifier keys it may
    sign checkpoints with, and the latest checkpoint this witness cosigned for it. `size` and
    `root_hash` change only under this row's lock (`select_for_update`), so two concurrent
    add-checkpoint requests can never roll the record back."""

    origin = models.CharField(_("log origin"), max_length=255, unique=True)
    vkeys = models.TextField(_("log verifier keys (one a line)"))
    size = models.PositiveBigIntegerField(_("latest cosigned tree size"), default=0)
    root_hash = models.BinaryField(_("latest cosigned root hash"), max_length=32, default=b"")
    note = models.TextField(_("latest cosigned checkpoint"), blank=True, default="")
    created_at = models.DateTimeField(_("added at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["origin"]
        verbose_name = _("witnessed log")
        verbose_name_plural = _("witnessed logs")

    def __str__(self) -> str:
        return f"{self.origin} @ {self.size}"


class Witness(models.Model):
    """A witness this node submits its checkpoints to: its name (ours to choose, e.g. the peer's
    region), the submission prefix of its tlog-witness service, its cosignature/v1 verifier key,
    and the size of our log it last cosigned (the `old` size of the next request)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("submission prefix"), max_length=500)
    vkey = models.CharField(_("witness verifier key"), max_length=500)
    size = models.PositiveBigIntegerField(_("last size it cosigned"), default=0)
    last_ok_at = models.DateTimeField(_("last cosigned at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")

    def __str__(self) -> str:
        return self.name


class SplitViewAlarm(models.Model):
    """Evidence that a log showed two inconsistent views: a checkpoint, validly signed, that is
    not consistent with one cosigned before. Raised by this node as a witness (a log's
    checkpoint refused) or as a log (a witness holds a view of our log that is not ours)."""

    class Side(models.TextChoices):
        WITNESS = "witness", _("as witness")
        LOG = "log", _("as log")

    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    origin = models.CharField(_("log origin"), max_length=255)
    counterpart = models.CharField(_("witness or log"), max_length=255, blank=True, default="")
    known_size = models.PositiveBigIntegerField(_("size cosigned before"))
    known_root = models.BinaryField(_("root cosigned before"), max_length=32, default=b"")
    offered_size = models.PositiveBigIntegerField(_("size offered"))
    offered_root = models.BinaryField(_("root offered"), max_length=32, default=b"")
    evidence = models.TextField(_("evidence"), blank=True, default="")
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("split-view alarm")
        verbose_name_plural = _("split-view alarms")

    def __str__(self) -> str:
        return f"{self.side} {self.origin} {self.known_size}/{self.offered_size}"
