package ddpm4j.sample;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;


/**
 * Runs reverse steps without autograd, releasing every tensor a step allocates except its result and what the
 * step puts in the run's {@link Carry}, so native memory stays flat over a thousand steps.
 */
final class ReverseLoop {
    private ReverseLoop() {
    }

    /** One reverse step: x in, next x out, for loop position {@code index}; {@code carry} holds what later steps need. */
    interface Step {
        Tensor apply(int index, Tensor x, Carry carry);
    }

    static Tensor run(Tensor xT, int count, Step step, StepListener listener) {
        return run(xT, 0, count, step, listener);
    }

    /** The loop's positions {@code from} … {@code count} − 1 only, starting from {@code x}. */
    static Tensor run(Tensor xT, int from, int count, Step step, StepListener listener) {
        PointerScope caller = PointerScope.getInnerScope();
        try (InferenceMode guard = new InferenceMode(); Carry carry = new Carry()) {
            Tensor x = owned(xT::clone);
            for (int i = from; i < count; i++) {
                final int index = i;
                final Tensor current = x;
                Tensor next = owned(() -> step.apply(index, current, carry));
                x.releaseReference();
                x = next;
                listener.stepDone(i - from + 1, count - from);
            }
            if (caller != null) {
                caller.attach(x); // the caller's scope now owns the result
                x.releaseReference();
            }
            return x;
        }
    }

    /**
     * Runs {@code work} in a fresh scope that frees everything it allocated except the result,
     * which is returned with one reference held by the caller.
     */
    private static Tensor owned(java.util.function.Supplier<Tensor> work) {
        try (PointerScope scope = new PointerScope()) {
            Tensor result = work.get();
            result.retainReference();
            return result;
        }
    }
}
