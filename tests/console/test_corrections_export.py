"""Operators' label corrections become reviewable training data (issue 12, point 6).

The path a supervisor uses: an operator corrects a case in the console; ``siaga nlu corrections``
(the real command, in a subprocess on the same database) writes Rasa YAML with names and numbers
masked; the trainer reads it with the corrected labels; ``siaga nlu train --include`` trains on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from nlu.corrections import NAME, NUMBER, mask
from nlu.train import without_eval
from nlu.training_data import load_yaml_examples
from nlu.types import Urgency
from tests.console.conftest import Console, seed_case

ROOT = Path(__file__).resolve().parents[2]


def _siaga(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIAGA_DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603 - our own command line, fixed arguments
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=300,
    )


async def test_corrections_are_exported_masked_with_the_corrected_labels(
    console: Console, migrated: str, tmp_path: Path
) -> None:
    wrong = await seed_case(
        console.sessions,
        text="nama saya Siti Rahayu, majikan Madam Chen tdk bayar gaji, hp 0812 3456 7890",
        intent="complaint.abuse",
        urgency=Urgency.CRITICAL,
        name="Siti Rahayu",
        fields={"worker_name": "Siti Rahayu", "employer": "Chen Mei Ling"},
    )
    untouched = await seed_case(console.sessions, text="gaji belum dibayar, nama saya Dewi")
    await console.login("ana")
    status, _ = await console.post(
        f"/api/console/cases/{wrong}/corrections",
        {
            "intent": "complaint.unpaid_wages",
            "urgency": "normal",
            "reason": "gaji, bukan kekerasan (Siti, 0812 3456 7890)",
        },
    )
    assert status == 200

    out = tmp_path / "reviewed.yml"
    proc = _siaga(migrated, "nlu", "corrections", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "1 corrected examples" in proc.stderr
    text = out.read_text(encoding="utf-8")
    for secret in ("Siti", "Rahayu", "Chen", "0812", "3456 7890"):
        assert secret not in text, secret
    assert untouched not in text
    assert "Dewi" not in text

    examples = load_yaml_examples([out])
    assert [(e.intent, e.urgency) for e in examples] == [
        ("complaint.unpaid_wages", Urgency.NORMAL)
    ]
    assert "tdk bayar gaji" in examples[0].text
    assert NAME in examples[0].text
    block = yaml.safe_load(text)["nlu"][0]
    meta = block["examples"][0]["metadata"]
    assert meta == {
        "case": wrong,
        "was": "complaint.abuse/critical",
        "reasons": [f"gaji, bukan kekerasan ({NAME}, {NUMBER})"],
    }


def test_train_can_include_a_reviewed_file(tmp_path: Path) -> None:
    reviewed = tmp_path / "reviewed.yml"
    reviewed.write_text(
        'version: "3.1"\nnlu:\n- intent: complaint.unpaid_wages\n  examples:\n'
        "  - text: majikan nahan gaji sy 4 bln, katanya buat jaminan\n"
        "    metadata: {case: SGA-TEST01, was: complaint.abuse/critical}\n",
        encoding="utf-8",
    )
    model = tmp_path / "model.npz"
    proc = _siaga(
        "sqlite+aiosqlite://",
        "nlu",
        "train",
        "--include",
        str(reviewed),
        "--out",
        str(model),
        "--epochs",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    trained = int(proc.stdout.split("trained on ")[1].split()[0])
    assert trained == len(without_eval(load_yaml_examples())) + 1
    missing = _siaga("sqlite+aiosqlite://", "nlu", "train", "--include", str(tmp_path / "no.yml"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


def test_masking_keeps_what_happened_and_drops_who() -> None:
    text = (
        "namanya joko di taipei, paspor C1234567 ditahan PT Maju Jaya, "
        "gaji NT$ 20.000 tgl 3/10/2026"
    )
    masked = mask(text, ["Taipei"])
    assert "joko" not in masked
    assert "C1234567" not in masked
    assert "Maju" not in masked
    assert "NT$ 20.000" in masked
    assert "3/10/2026" in masked
    assert "ditahan" in masked
