package ddpm4j.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/** An exported graph run in ONNX Runtime (an implementation of ONNX independent of ddpm4j and libtorch), fully optimised. */
public final class OnnxRuntime implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OnnxRuntime(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(2);
            session = env.createSession(model, options);
        }
    }

    public OrtSession session() {
        return session;
    }

    /** out_sample for {@code sample} of {@code shape}, {@code timestep} (one per image or one), {@code labels} (or null). */
    public float[] run(float[] sample, long[] shape, float[] timestep, long[] labels) throws OrtException {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(OnnxExport.SAMPLE, OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), shape));
            inputs.put(OnnxExport.TIMESTEP, OnnxTensor.createTensor(env, FloatBuffer.wrap(timestep), new long[] {timestep.length}));
            if (labels != null) {
                inputs.put(OnnxExport.CLASS_LABELS, OnnxTensor.createTensor(env, LongBuffer.wrap(labels), new long[] {labels.length}));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor out = (OnnxTensor) result.get(OnnxExport.OUT_SAMPLE).orElseThrow();
                FloatBuffer b = out.getFloatBuffer();
                float[] values = new float[b.remaining()];
                b.get(values);
                return values;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
