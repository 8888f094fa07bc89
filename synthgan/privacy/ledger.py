"""The ledger: every mechanism that touched the real rows, what was spent, and what the
guarantee does not cover. Stored in the model file and printed by ``synthgan info``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from synthgan.privacy.settings import NEIGHBOURING, NOT_COVERED

__all__ = ["VALIDATION_OFF", "LedgerItem", "PrivacyLedger"]

#: What a DP model's ledger and fit record say about validation while training.
VALIDATION_OFF = (
    "off: under differential privacy no real rows are held out or scored outside the accounting"
)


@dataclass
class LedgerItem:
    """One mechanism that touched the real rows."""

    what: str
    mechanism: str
    noise_multiplier: float  # noise std / L2 sensitivity
    delta: float = 0.0  # δ paid on top of the accountant's (release thresholds)

    @property
    def rho(self) -> float:
        return 1 / (2 * self.noise_multiplier**2)


@dataclass
class PrivacyLedger:
    """Everything spent on a model: stored in the model file and printed by ``synthgan info``."""

    epsilon_target: float
    delta_target: float
    accountant: str
    preprocessing: list[LedgerItem] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    public: dict[str, Any] = field(default_factory=dict)
    epsilon_spent: float | None = None
    versions: dict[str, str] = field(default_factory=dict)
    count_tail_delta: float = 0.0  # chance the DP row count misses the accounted window
    randomness: str = ""  # what the seed fixes, and what it does not
    not_covered: tuple[str, ...] = NOT_COVERED

    @property
    def threshold_delta(self) -> float:
        return sum(item.delta for item in self.preprocessing)

    @property
    def accountant_delta(self) -> float:
        """The δ at which the accountant reports ε: the target less the thresholds' share and
        the row count's tail."""
        return self.delta_target - self.threshold_delta - self.count_tail_delta

    def to_dict(self) -> dict[str, Any]:
        return {
            "neighbouring": NEIGHBOURING,
            "epsilon_target": self.epsilon_target,
            "delta_target": self.delta_target,
            "epsilon_spent": self.epsilon_spent,
            "delta_spent": self.delta_target,
            "accountant": self.accountant,
            "accountant_delta": self.accountant_delta,
            "count_tail_delta": self.count_tail_delta,
            "preprocessing": [
                {
                    "what": i.what,
                    "mechanism": i.mechanism,
                    "noise_multiplier": i.noise_multiplier,
                    "rho": i.rho,
                    "delta": i.delta,
                }
                for i in self.preprocessing
            ],
            "training": self.training,
            "public": self.public,
            "randomness": self.randomness,
            "not_covered": list(self.not_covered),
            "versions": self.versions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrivacyLedger:
        items = [
            LedgerItem(i["what"], i["mechanism"], float(i["noise_multiplier"]), float(i["delta"]))
            for i in data["preprocessing"]
        ]
        return cls(
            epsilon_target=float(data["epsilon_target"]),
            delta_target=float(data["delta_target"]),
            accountant=str(data["accountant"]),
            preprocessing=items,
            training=dict(data["training"]),
            public=dict(data["public"]),
            epsilon_spent=data["epsilon_spent"],
            versions=dict(data["versions"]),
            count_tail_delta=float(data.get("count_tail_delta", 0.0)),
            randomness=str(data.get("randomness", "")),
            not_covered=tuple(str(x) for x in data.get("not_covered", ())),
        )

    def report(self) -> str:
        """A readable account: totals, DP-SGD settings, each preprocessing item, public facts,
        where the randomness came from and what the guarantee does not cover."""
        t = self.training
        lines = [
            f"Differential privacy (unit: one row, {NEIGHBOURING}): epsilon "
            f"{self.epsilon_spent:.4g} spent of {self.epsilon_target:g}, delta "
            f"{self.delta_target:.3g}",
            f"  accountant: {self.accountant} (epsilon at delta {self.accountant_delta:.3g}; "
            f"release thresholds take delta {self.threshold_delta:.3g}"
            + (
                f", the row count's window {self.count_tail_delta:.3g})"
                if self.count_tail_delta
                else ")"
            ),
        ]
        if t:
            lines.append(
                f"  DP-SGD on the discriminator: noise multiplier {t['noise_multiplier']:.4g}, "
                f"clip norm {t['max_grad_norm']:g}, Poisson sampling rate {t['sample_rate']:.4g} "
                f"(expected batch {t['expected_batch_size']}), {t['steps']} of "
                f"{t['planned_steps']} planned steps"
                + (" (stopped: budget reached)" if t.get("stopped_by_budget") else "")
            )
        if "validation" in t:
            lines.append(f"  validation while training: {t['validation']}")
        if "accounted_sample_rate" in t:
            lines.append(
                f"    accounted at rate {t['accounted_sample_rate']:.4g} and "
                f"{t['accounted_steps']} steps: the most any table within "
                f"{t['count_window']:,.0f} rows of the DP row count would get, since the "
                "schedule follows that count (the guarantee stated is the target epsilon)"
            )
        rho = sum(i.rho for i in self.preprocessing)
        lines.append(
            f"  preprocessing: {len(self.preprocessing)} Gaussian mechanisms, rho {rho:.3g} in all"
        )
        for item in self.preprocessing:
            extra = f", delta {item.delta:.2g}" if item.delta else ""
            lines.append(
                f"    - {item.what}: {item.mechanism}, noise multiplier "
                f"{item.noise_multiplier:.4g}{extra}"
            )
        if self.public:
            lines.append("  declared public (no budget spent):")
            for name, value in self.public.items():
                lines.append(f"    - {name}: {value}")
        if self.randomness:
            lines.append(f"  randomness: {self.randomness}")
        if self.not_covered:
            lines.append("  not covered by the guarantee:")
            lines += [f"    - {item}" for item in self.not_covered]
        return "\n".join(lines)
