package ddpm4j.sample;

import org.bytedeco.pytorch.Tensor;

/**
 * The last few model outputs of a multistep solver, kept across the reverse loop's per-step scopes
 * (each holds a reference until it is pushed out or the history is closed). {@code get(0)} is the
 * newest; a slot not yet filled is null.
 */
final class History implements AutoCloseable {
    private final Tensor[] slots;

    History(int size) {
        slots = new Tensor[size];
    }

    /** Adds {@code t} as the newest, dropping the oldest. */
    void push(Tensor t) {
        Tensor oldest = slots[slots.length - 1];
        if (oldest != null) {
            oldest.releaseReference();
        }
        System.arraycopy(slots, 0, slots, 1, slots.length - 1);
        t.retainReference();
        slots[0] = t;
    }

    /** The output {@code back} pushes ago (0: the newest), or null. */
    Tensor get(int back) {
        return slots[back];
    }

    @Override
    public void close() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                slots[i].releaseReference();
                slots[i] = null;
            }
        }
    }
}
