#!/usr/bin/env python3
"""make synth-report: Yosys synth_xilinx of the default configuration,
LUT / FF / DSP / BRAM per block (module), from Yosys's own `stat`.

usage: synth_report.py TOP OUT_DIR [yosys args...] -- SV files...
"""
import re
import subprocess
import sys
import time

CLASSES = {
    "LUT": re.compile(r"^(LUT[1-6]|LUT6_2)$"),
    "LUTRAM": re.compile(r"^(RAM\d+[XMS]\w*|SRL\w+)$"),
    "FF": re.compile(r"^FD[CPRS]E(_1)?$|^LD\w+$"),
    "CARRY": re.compile(r"^CARRY[48]$|^MUXF[78]$"),
    "DSP": re.compile(r"^DSP48\w*$"),
    "BRAM": re.compile(r"^RAMB(18|36)\w*$"),
}


def classify(cell):
    for name, rx in CLASSES.items():
        if rx.match(cell):
            return name
    return None


def parse_stat(text):
    """Per-module cell counts from Yosys `stat` output."""
    modules, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^=== (\S+) ===", line)
        if m:
            cur = m.group(1)
            modules[cur] = {k: 0 for k in CLASSES}
            continue
        m = re.match(r"^\s+(\S+)\s+(\d+)$", line)
        if cur and m:
            cls = classify(m.group(1))
            if cls:
                modules[cur][cls] += int(m.group(2))
    return modules


def main():
    if "--" not in sys.argv or len(sys.argv) < 4:
        sys.exit(__doc__)
    sep = sys.argv.index("--")
    top, out_dir = sys.argv[1], sys.argv[2]
    yargs, files = sys.argv[3:sep], sys.argv[sep + 1:]
    stat = f"{out_dir}/stat_{top}.txt"
    script = (f"read_verilog -sv -Ihw/rtl {' '.join(yargs)} {' '.join(files)}; "
              f"synth_xilinx -top {top}; tee -q -o {stat} stat")
    log = f"{out_dir}/synth_{top}.log"
    t0 = time.time()
    with open(log, "w") as f:
        rc = subprocess.run(["yosys", "-q", "-p", script], stdout=f,
                            stderr=subprocess.STDOUT).returncode
    if rc != 0:
        print(f"synth-report: yosys failed for {top}; see {log}", file=sys.stderr)
        sys.exit(1)
    text = open(stat).read()
    mods = parse_stat(text)
    print(f"Yosys synth_xilinx, top {top} ({time.time() - t0:.0f} s); cells per module "
          "(not flattened: a module's count excludes its submodules)")
    print(f"{'module':40} {'LUT':>8} {'LUTRAM':>7} {'FF':>8} {'CARRY':>6} {'DSP':>5} {'BRAM':>5}")
    total = {k: 0 for k in CLASSES}
    for name in sorted(mods):
        c = mods[name]
        for k in CLASSES:
            total[k] += c[k]
        # "$paramod\circe_ptw\AxiId=4'0100" -> "circe_ptw (AxiId=4'0100)"
        parts = [p for p in name.split("\\") if p]
        if parts and parts[0].startswith("$paramod") and len(parts) > 1:
            short = f"{parts[1]} ({','.join(parts[2:])})"
        else:
            short = parts[-1] if parts else name
        short = short[:40]
        print(f"{short:40} {c['LUT']:8} {c['LUTRAM']:7} {c['FF']:8} {c['CARRY']:6} "
              f"{c['DSP']:5} {c['BRAM']:5}")
    print(f"{'total (per instance counts x1)':40} {total['LUT']:8} {total['LUTRAM']:7} "
          f"{total['FF']:8} {total['CARRY']:6} {total['DSP']:5} {total['BRAM']:5}")


if __name__ == "__main__":
    main()
