#!/usr/bin/env bash
# The CPU as the measurements' tables name it: "AMD EPYC family 25 model 17" (model name, family, model from /proc/cpuinfo).
echo "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | xargs) family $(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model' /proc/cpuinfo | grep -v name | cut -d: -f2 | xargs)"
