#!/usr/bin/env python3
"""Self cost (Ir) per function of one callgrind dump against another, per request.

usage: self-cost.py <base dump> <variant dump> <requests> [top]
Dumps come from `BENCH_IR_KEEP=<dir> node --import tsx bench/profiles/instructions.ts ...`; use
the main thread's (the file ending in -01). JIT code shows as bare addresses, which differ from
one process to the next: compare named functions (V8 builtins, C++, OpenSSL) only.
"""
import collections
import re
import sys


def self_cost(path):
    names, cost, fn, skip = {}, collections.Counter(), None, False
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        m = re.match(r'c?fn=\((\d+)\)(?: (.*))?', line)
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith('fn='):
                fn = names.get(m.group(1), m.group(1))
            continue
        if line.startswith('calls='):
            skip = True  # the next cost line is the call's inclusive cost
            continue
        if line and (line[0].isdigit() or line[0] in '+-*'):
            parts = line.split()
            if skip:
                skip = False
            elif len(parts) >= 2 and fn:
                cost[fn] += int(parts[1])
    return cost


def main():
    base, variant, n = self_cost(sys.argv[1]), self_cost(sys.argv[2]), float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    print(f'Ir/request: base {sum(base.values()) / n:.0f}, variant {sum(variant.values()) / n:.0f}')
    print(' added     base  variant  function')
    named = [k for k in set(base) | set(variant) if not k.startswith('0x')]
    for k in sorted(named, key=lambda k: -(variant[k] - base[k]))[:top]:
        print(f'{(variant[k] - base[k]) / n:6.0f} {base[k] / n:8.0f} {variant[k] / n:8.0f}  {k[:100]}')


if __name__ == '__main__':
    main()
