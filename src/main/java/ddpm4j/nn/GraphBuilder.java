package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * A dataflow graph in ONNX's operators that the network writes itself into ({@link UNet2DModel#trace}): each layer
 * adds the operators of its {@code forward} beside it, so the two read side by side. Values are named by strings;
 * the writer of a file format ({@code ddpm4j.export}) implements this.
 */
public interface GraphBuilder {
    /** A live parameter of the network as a constant of the graph (its state-dict name), float32. */
    String parameter(Tensor parameter);

    /** A float32 constant of {@code shape} made while tracing (not a parameter). */
    String constant(float[] values, long... shape);

    /** An int64 constant of {@code shape} (shapes, axes, slice bounds). */
    String constantLongs(long[] values, long... shape);

    /**
     * One operator of the standard (ai.onnx) set on {@code inputs} ("" for an optional input left out), with
     * {@code attributes} of type Long, Double, String, long[] or float[]; returns its (first) output.
     */
    String node(String opType, Map<String, Object> attributes, String... inputs);

    default String node(String opType, String... inputs) {
        return node(opType, Map.of(), inputs);
    }

    /** x·sigmoid(x). */
    default String silu(String x) {
        return node("Mul", x, node("Sigmoid", x));
    }

    default String add(String a, String b) {
        return node("Add", a, b);
    }

    default String mul(String a, String b) {
        return node("Mul", a, b);
    }

    /** {@code x} times a float constant. */
    default String scale(String x, double factor) {
        return mul(x, constant(new float[] {(float) factor}));
    }

    /** {@code x} divided by a float constant (a division, as the network's forward has it, not a product by 1/d). */
    default String divide(String x, double divisor) {
        return node("Div", x, constant(new float[] {(float) divisor}));
    }

    /** ONNX's Reshape: 0 keeps the input's size in that place, −1 takes what is left. */
    default String reshape(String x, long... shape) {
        return node("Reshape", x, constantLongs(shape, shape.length));
    }

    default String transpose(String x, long... perm) {
        return node("Transpose", Map.of("perm", perm), x);
    }

    default String unsqueeze(String x, long... axes) {
        return node("Unsqueeze", x, constantLongs(axes, axes.length));
    }

    /** Elements {@code start} to {@code end} (exclusive) along {@code axis}. */
    default String slice(String x, long axis, long start, long end) {
        return node("Slice", x, constantLongs(new long[] {start}, 1), constantLongs(new long[] {end}, 1),
                constantLongs(new long[] {axis}, 1));
    }

    default String concat(long axis, String... xs) {
        return node("Concat", Map.of("axis", axis), xs);
    }

    /** Nearest-neighbour ×2 in height and width, as PyTorch's {@code upsample_nearest2d}. */
    default String nearest2x(String x) {
        return node("Resize", Map.of("mode", "nearest", "coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor"),
                x, "", constant(new float[] {1, 1, 2, 2}, 4));
    }
}
