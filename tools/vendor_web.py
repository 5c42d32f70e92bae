"""Re-vendor jsPsych for online studies: `npm pack` each package, copy its browser build.

    .venv/bin/python tools/vendor_web.py

Writes assets/web/vendor/jspsych/ (the minified browser builds, their licence and VENDOR.json
with versions, the registry's integrity of each package and the sha256 of each file kept). The
`//# sourceMappingURL=` comment is dropped, so no tool ever fetches a map from a CDN: an exported
study loads nothing outside its own folder. Needs npm and the npm registry.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "web" / "vendor" / "jspsych"
PACKAGES = {  # package@version -> file name kept
    "jspsych@8.3.0": "jspsych.min.js",
    "@jspsych/plugin-preload@2.1.0": "plugin-preload.min.js",
    "@jspsych/plugin-instructions@2.1.0": "plugin-instructions.min.js",
    "@jspsych/plugin-html-button-response@2.1.0": "plugin-html-button-response.min.js",
}
LICENSE = """The MIT License (MIT)

Copyright (c) 2014-2024 Joshua R. de Leeuw

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    record = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec, name in PACKAGES.items():
            info = json.loads(subprocess.run(["npm", "pack", spec, "--json"], cwd=tmp, check=True,
                                             capture_output=True, text=True).stdout)[0]
            with tarfile.open(Path(tmp) / info["filename"]) as tar:
                text = tar.extractfile("package/dist/index.browser.min.js").read().decode()
                meta = json.loads(tar.extractfile("package/package.json").read())
            lines = [ln for ln in text.splitlines() if not ln.startswith("//# sourceMappingURL=")]
            data = ("\n".join(lines) + "\n").encode()
            (OUT / name).write_bytes(data)
            record.append({"package": meta["name"], "version": meta["version"],
                           "license": meta["license"], "from": "dist/index.browser.min.js",
                           "file": name, "npm_integrity": info["integrity"],
                           "sha256": hashlib.sha256(data).hexdigest()})
    (OUT / "LICENSE").write_text(LICENSE)
    (OUT / "VENDOR.json").write_text(json.dumps({"packages": record}, indent=1) + "\n")
    print(f"{OUT}: {', '.join(r['package'] + '@' + r['version'] for r in record)}")


if __name__ == "__main__":
    main()
