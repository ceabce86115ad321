package io.streamformer.accelerator.backends.tornadovm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RangeAllocatorTest {

    @Test
    void liveRangesNeverOverlapUnderRandomAllocationAndRelease() {
        Random random = new Random(7);
        RangeAllocator ranges = new RangeAllocator(1 << 16);
        List<int[]> live = new ArrayList<>();
        // Owners stay reachable (released ones too): here only the test releases ranges, never the collector.
        List<Object> owners = new ArrayList<>();
        List<Object> released = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                int victim = random.nextInt(live.size());
                int[] r = live.remove(victim);
                released.add(owners.remove(victim));
                ranges.release(r[0], r[1]);
            } else {
                int size = 1 + random.nextInt(random.nextBoolean() ? 40 : 3000);
                Object owner = new Object();
                int offset = ranges.allocate(owner, size);
                if (offset < 0) {
                    continue;
                }
                int aligned = RangeAllocator.aligned(size);
                assertThat(offset % RangeAllocator.ALIGN).isZero();
                assertThat(offset + aligned).isLessThanOrEqualTo(ranges.capacity());
                for (int[] other : live) {
                    assertThat(offset + aligned <= other[0] || other[0] + other[1] <= offset)
                            .as("[%d, %d) overlaps [%d, %d) at step %d", offset, offset + aligned, other[0],
                                    other[0] + other[1], step).isTrue();
                }
                live.add(new int[]{offset, aligned});
                owners.add(owner);
            }
            int end = 0;
            for (int[] r : live) {
                end = Math.max(end, r[0] + r[1]);
            }
            assertThat(ranges.top()).as("top at step %d", step).isGreaterThanOrEqualTo(end);
        }
        for (int[] r : live) {
            ranges.release(r[0], r[1]);
        }
        assertThat(ranges.top()).isZero();
    }

    @Test
    void aCollectedOwnerGivesItsRangeBack() throws InterruptedException {
        RangeAllocator ranges = new RangeAllocator(1024);
        Object owner = new Object();
        int first = ranges.allocate(owner, 1000);
        assertThat(first).isZero();
        assertThat(ranges.allocate(new Object(), 100)).isEqualTo(-1);
        owner = null;
        int again = -1;
        for (int i = 0; i < 50 && again < 0; i++) {
            System.gc();
            Thread.sleep(10);
            again = ranges.allocate(new Object(), 1000);
        }
        assertThat(again).isZero();
    }
}
