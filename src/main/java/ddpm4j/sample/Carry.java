package ddpm4j.sample;

import org.bytedeco.pytorch.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * What a sampler keeps from one pass of the reverse loop to a later one: named slots and bounded histories of
 * tensors. The loop frees every tensor a pass makes except its result; what the carry holds it keeps alive with
 * a reference of its own, lets go of when overwritten or pushed out, and {@link ReverseLoop} closes it when the
 * run ends, however it ends. No sampler holds native memory by hand.
 */
final class Carry implements AutoCloseable {
    private final Map<String, Tensor> slots = new HashMap<>();
    private final Map<String, History> histories = new HashMap<>();

    /** Keeps {@code t} under {@code name} (null: nothing), letting go of what the slot held. */
    void put(String name, Tensor t) {
        if (t != null) {
            t.retainReference();
        }
        Tensor old = t == null ? slots.remove(name) : slots.put(name, t);
        if (old != null) {
            old.releaseReference();
        }
    }

    /** What {@code name} holds, or null. */
    Tensor get(String name) {
        return slots.get(name);
    }

    /** The history called {@code name} that holds the last {@code size} tensors pushed, made on first use. */
    History history(String name, int size) {
        History h = histories.computeIfAbsent(name, k -> new History(size));
        if (h.capacity() != size) {
            throw new IllegalStateException("history '" + name + "' holds " + h.capacity() + ", not " + size);
        }
        return h;
    }

    @Override
    public void close() {
        slots.values().forEach(Tensor::releaseReference);
        slots.clear();
        histories.values().forEach(History::clear);
        histories.clear();
    }

    /** The last few tensors pushed, newest first ({@code get(0)}); part of a {@link Carry}, which releases them. */
    static final class History {
        private final Tensor[] slots;
        private int size;

        private History(int capacity) {
            slots = new Tensor[capacity];
        }

        /** Adds {@code t} as the newest, letting go of the oldest when full. */
        void push(Tensor t) {
            t.retainReference();
            Tensor oldest = slots[slots.length - 1];
            if (oldest != null) {
                oldest.releaseReference();
            }
            System.arraycopy(slots, 0, slots, 1, slots.length - 1);
            slots[0] = t;
            size = Math.min(size + 1, slots.length);
        }

        /** The tensor {@code back} pushes ago (0: the newest), or null. */
        Tensor get(int back) {
            return slots[back];
        }

        /** How many are held: the pushes so far, at most the capacity. */
        int size() {
            return size;
        }

        int capacity() {
            return slots.length;
        }

        private void clear() {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    slots[i].releaseReference();
                    slots[i] = null;
                }
            }
            size = 0;
        }
    }
}
