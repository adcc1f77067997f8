"""Helpers for tests: a tiny release written to disk, file by file."""

from __future__ import annotations

import gzip
from pathlib import Path

# A tiny but complete release. MRRANK ranks MSH/MH above NCI/PT above NCI/SY.
TINY = {
    "MRCONSO": [
        "C0000001|ENG|P|L0000001|PF|S0000001|Y|A0000001||||NCI|SY|N001|heart attack|0|N||",
        "C0000001|ENG|P|L0000002|PF|S0000002|Y|A0000002||M01|D000001|MSH|MH|D000001|Myocardial Infarction|0|N||",
        "C0000001|ENG|S|L0000003|PF|S0000003|N|A0000003||||NCI|PT|N001|\"MI\" \\ infarct|0|N||",
        "C0000001|SPA|P|L0000004|PF|S0000004|Y|A0000004||||MSHSPA|MH|D000001|Infarto del miocardio|3|N||",
        "C0000002|ENG|P|L0000005|PF|S0000005|Y|A0000005||||NCI|PT|N002|Aspirin|0|N||",
        "C0000002|ENG|S|L0000006|PF|S0000006|N|A0000006||||NCI|SY|N002|acetylsalicylic acid|0|O||",
        "C0000003|ENG|P|L0000007|PF|S0000007|Y|A0000007||||SNOMEDCT_US|PT|S003|Sjögren's syndrome|9|N||",
    ],
    "MRSTY": [
        "C0000001|T047|B2.2.1.2.1|Disease or Syndrome|AT0000001||",
        "C0000002|T121|A1.4.1.1.1|Pharmacologic Substance|AT0000002||",
        "C0000002|T109|A1.4.1.2.1|Organic Chemical|AT0000003||",
    ],
    "MRREL": [
        # C0000001 may_be_treated_by C0000002 is written as: CUI1=drug, REL RO, CUI2=disease.
        "C0000002|A0000005|AUI|RO|C0000001|A0000002|AUI|may_be_treated_by|R0000001||NCI|NCI|||N||",
        "C0000001|A0000002|AUI|RO|C0000002|A0000005|AUI|may_treat|R0000002||NCI|NCI|||N||",
        "C0000001||CUI|RB|C0000003||CUI||R0000003||MTH|MTH|||N||",
        "C0000001||CUI|RO|C0009999||CUI||R0000004||MTH|MTH|||N||",
        "C0000001||CUI|RN|C0000002||CUI||R0000005||MTH|MTH|||Y||",
    ],
    "MRDEF": [
        "C0000001|A0000002|AT0000010||MSH|Necrosis of the \"myocardium\".|N||",
        "C0000002|A0000005|AT0000011||NCI|A salicylate drug.|N||",
    ],
    "MRSAB": [
        "C1|C1|NCI_2024|NCI|National Cancer Institute Thesaurus|NCI|2024|||||||0||||||ENG|UTF-8|Y|Y|NCI|cit|",
        "C2|C2|MSH2024|MSH|Medical Subject Headings|MSH|2024|||||||0||||||ENG|UTF-8|Y|Y|MeSH|cit|",
        "C3|C3|SNOMEDCT_US_2024|SNOMEDCT_US|SNOMED CT|SNOMEDCT_US|2024|||||||9||||||ENG|UTF-8|Y|Y|SNOMED|",
    ],
    "MRRANK": [
        "0400|MSH|MH|N|",
        "0300|NCI|PT|N|",
        "0200|NCI|SY|N|",
        "0100|SNOMEDCT_US|PT|N|",
    ],
}


def write_release(root: Path, overrides: dict[str, list[str] | str | None] | None = None,
                  gz: bool = False) -> Path:
    """Write TINY (with per-file overrides; None drops a file; a str is written verbatim) to root/META."""
    files: dict[str, list[str] | str | None] = {**TINY, **(overrides or {})}
    meta = root / "META"
    meta.mkdir(parents=True, exist_ok=True)
    for stem, content in files.items():
        if content is None:
            continue
        text = content if isinstance(content, str) else "".join(line + "\n" for line in content)
        path = meta / f"{stem}.RRF{'.gz' if gz else ''}"
        data = text.encode("utf-8") if isinstance(text, str) else text
        path.write_bytes(gzip.compress(data) if gz else data)
    return root
