#!/bin/bash
# Start (or resume: run it again) training in the background at the lowest CPU priority.
# jemalloc + no page decay avoids the mmap/munmap churn of glibc for the large logits tensors
# (cut system time ~9x on the 2-core build machine); passive OpenMP waiting plays nice with
# other jobs on the shared cores.
set -e
cd "$(dirname "$0")"
mkdir -p work/train
export MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1,background_thread:false"
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
export OMP_WAIT_POLICY=PASSIVE
nohup nice -n 19 /usr/bin/python3 train.py --lr 7e-4 --warmup 1500 --max-tokens 2500 --hours 3.5 "$@" \
    >> work/train/train.out 2>&1 &
echo "training pid $! (log: tools/default-model/work/train/train.log)"
