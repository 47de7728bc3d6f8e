package ddpm4j.export;

import ddpm4j.export.onnx.AttributeProto;
import ddpm4j.export.onnx.GraphProto;
import ddpm4j.export.onnx.NodeProto;
import ddpm4j.export.onnx.TensorProto;
import ddpm4j.nn.GraphBuilder;
import ddpm4j.torch.Tensors;
import com.google.protobuf.ByteString;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ONNX graph a network traces itself into: nodes in the order they are added (a topological order, as the
 * trace follows the forward pass), the network's parameters as initializers under their state-dict names, and the
 * constants of the trace, each written once.
 */
final class OnnxGraph implements GraphBuilder {
    private final GraphProto.Builder graph;
    private final Map<Long, String> parameterNames = new HashMap<>();
    private final Map<String, String> parameterValues = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();
    private final boolean halfWeights;
    private int values;

    /**
     * @param parameters  the network's parameters by state-dict name (the live tensors the trace hands back)
     * @param halfWeights store the parameters as float16, cast to float32 where the graph reads them
     */
    OnnxGraph(GraphProto.Builder graph, Map<String, Tensor> parameters, boolean halfWeights) {
        this.graph = graph;
        this.halfWeights = halfWeights;
        parameters.forEach((name, t) -> parameterNames.put(t.data_ptr().address(), name));
    }

    @Override
    public String parameter(Tensor parameter) {
        String name = parameterNames.get(parameter.data_ptr().address());
        if (name == null) {
            throw new IllegalStateException("the trace read a tensor that is not one of the network's parameters");
        }
        return parameterValues.computeIfAbsent(name, n -> {
            long[] shape = Tensors.shape(parameter);
            if (!halfWeights) {
                graph.addInitializer(tensor(n, TensorProto.DataType.FLOAT, floatBytes(Tensors.toFloats(parameter)), shape));
                return n;
            }
            graph.addInitializer(tensor(n, TensorProto.DataType.FLOAT16, halfBytes(parameter), shape));
            return node("Cast", Map.of("to", (long) TensorProto.DataType.FLOAT_VALUE), n);
        });
    }

    @Override
    public String constant(float[] values, long... shape) {
        return constant(TensorProto.DataType.FLOAT, floatBytes(values), shape);
    }

    @Override
    public String constantLongs(long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return constant(TensorProto.DataType.INT64, b.array(), shape);
    }

    private String constant(TensorProto.DataType type, byte[] data, long[] shape) {
        String key = type + Arrays.toString(shape) + Arrays.toString(data);
        return constants.computeIfAbsent(key, k -> {
            String name = "const_" + constants.size();
            graph.addInitializer(tensor(name, type, data, shape));
            return name;
        });
    }

    @Override
    public String node(String opType, Map<String, Object> attributes, String... inputs) {
        String output = opType + "_" + values++;
        NodeProto.Builder n = graph.addNodeBuilder().setOpType(opType).setName(output).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        new TreeMap<>(attributes).forEach((name, value) -> n.addAttribute(attribute(name, value)));
        return output;
    }

    /** Names the value {@code value} {@code name} (an Identity node), e.g. for a graph output. */
    void output(String value, String name) {
        graph.addNodeBuilder().setOpType("Identity").setName(name).addInput(value).addOutput(name);
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (value instanceof Long i) {
            a.setType(AttributeProto.AttributeType.INT).setI(i);
        } else if (value instanceof Double f) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(f.floatValue());
        } else if (value instanceof String s) {
            a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else if (value instanceof long[] ints) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long i : ints) {
                a.addInts(i);
            }
        } else if (value instanceof float[] floats) {
            a.setType(AttributeProto.AttributeType.FLOATS);
            for (float f : floats) {
                a.addFloats(f);
            }
        } else {
            throw new IllegalArgumentException("attribute " + name + " of unsupported type " + value.getClass().getSimpleName());
        }
        return a.build();
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, byte[] data, long[] shape) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(ByteString.copyFrom(data));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    private static byte[] floatBytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** IEEE half-precision bits, rounded to nearest even by libtorch's conversion. */
    private static byte[] halfBytes(Tensor t) {
        Tensor h = t.to(torch.ScalarType.Half).contiguous();
        short[] bits = new short[Math.toIntExact(h.numel())];
        new ShortPointer(h.data_ptr()).get(bits, 0, bits.length);
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(bits);
        return b.array();
    }
}
