package ddpm4j.train;

import ddpm4j.data.ImageSource;
import ddpm4j.dist.Group;
import ddpm4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.torch.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Progressive distillation (Salimans &amp; Ho 2022) of a teacher into a student of {@code passes} steps: stages that each halve
 * the steps, from the teacher's {@code teacherSteps} DDIM steps down. Every stage is a training run of its own in
 * {@code OUT/stages/K} ({@link ProgressiveDistillation}'s objective, the previous stage's model as its teacher, kept in the
 * run), so a stage checkpoints, resumes bit for bit and runs on several ranks as {@code train} does, and its model directory
 * samples in K steps. When the last stage ends, its model is written as OUT, which {@code sample --model OUT} draws in
 * {@code passes} steps. Running the same plan again goes on where it stopped.
 */
public final class Distiller {
    public static final String STAGES = "stages";
    /** The plan of OUT, so that running again continues the same distillation (and another plan is refused). */
    public static final String PLAN = "distillation.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param teacherSteps the teacher's DDIM steps that the first stage halves: {@code passes} times a power of two
     * @param passes       the final student's steps
     * @param stageSteps   training steps of each stage
     * @param settings     the training settings of every stage (steps, objective, sample steps and seed are set per stage)
     */
    public record Plan(int teacherSteps, int passes, long stageSteps, TrainSettings settings) {
        public Plan {
            if (passes < 1) {
                throw new IllegalArgumentException("passes must be at least 1, got " + passes);
            }
            if (teacherSteps <= passes || teacherSteps % passes != 0 || Integer.bitCount(teacherSteps / passes) != 1) {
                throw new IllegalArgumentException("the teacher's steps must be passes (" + passes + ") times a power of two above 1, got "
                        + teacherSteps);
            }
            if (stageSteps < 1) {
                throw new IllegalArgumentException("steps per stage must be at least 1, got " + stageSteps);
            }
        }

        /** The students' steps, stage by stage: teacherSteps/2, teacherSteps/4, ..., passes. */
        public List<Integer> stages() {
            List<Integer> out = new ArrayList<>();
            for (int k = teacherSteps / 2; k >= passes; k /= 2) {
                out.add(k);
            }
            return out;
        }

        /** Stage {@code k}'s settings: its steps, its student's passes for the sample grids and evaluations, its own seed. */
        TrainSettings stage(int k) {
            return settings.toBuilder().objective(Objective.PROGRESSIVE_DISTILLATION.cliName).steps(stageSteps).sampleSteps(k)
                    .seed(settings.seed() + k).build();
        }

        String json() {
            var o = JSON.createObjectNode();
            o.put("method", "progressive");
            o.put("teacher_steps", teacherSteps);
            o.put("passes", passes);
            o.put("stage_steps", stageSteps);
            return o.toPrettyString();
        }
    }

    /** What a distillation reports besides its stages' training steps. */
    public interface Listener {
        /** Stage {@code index} of {@code count} (a student of {@code passes} steps) is about to train from step {@code from} to {@code steps}. */
        default void stage(int index, int count, int passes, long from, long steps) {
        }

        /** The listener of the current stage's training. */
        default Trainer.Listener training() {
            return new Trainer.Listener() { };
        }

        /** The stage of {@code passes} steps has trained. */
        default void stageDone(int passes) {
        }
    }

    private Distiller() {
    }

    /** The run directory of the stage whose student takes {@code passes} steps. */
    public static Path stageDir(Path out, int passes) {
        return out.resolve(STAGES).resolve(Integer.toString(passes));
    }

    /**
     * Runs every stage of {@code plan} not yet done, then writes the last student as the model directory {@code out}.
     *
     * @param teacher the teacher model (read only for the first stage's start)
     * @throws IllegalArgumentException when {@code out} holds another plan, or the teacher cannot be distilled
     */
    public static void run(Model teacher, Path out, ImageSource images, Plan plan, Listener listener, Device device, Group group)
            throws IOException {
        for (int k : plan.stages()) { // what cannot be distilled is refused before a file is written
            ProgressiveDistillation.check(teacher, k);
        }
        Path planFile = out.resolve(PLAN);
        if (Files.exists(planFile)) {
            String saved = Files.readString(planFile, StandardCharsets.UTF_8);
            if (!JSON.readTree(saved).equals(JSON.readTree(plan.json()))) {
                throw new IllegalArgumentException(out + " holds another distillation (" + planFile + "); continue it with its own"
                        + " --teacher-steps, --passes and --stage-steps, or choose another --out");
            }
        } else if (group.isMain()) {
            AtomicFiles.write(planFile, plan.json().getBytes(StandardCharsets.UTF_8));
        }
        List<Integer> stages = plan.stages();
        Path previous = null;
        for (int i = 0; i < stages.size(); i++) {
            int k = stages.get(i);
            Path dir = stageDir(out, k);
            TrainSettings settings = plan.stage(k);
            boolean started = Checkpoint.exists(dir);
            long done = started ? Checkpoint.load(dir).step() : 0;
            if (done < settings.steps()) {
                listener.stage(i, stages.size(), k, done, settings.steps());
                Trainer trainer;
                if (started) {
                    trainer = Trainer.resume(dir, images, null, device, group);
                } else {
                    if (group.isMain()) { // the stage keeps its teacher: the previous student, or the model given
                        try (Model t = previous == null ? null : ModelDirectory.load(previous)) {
                            Model from = t != null ? t : teacher;
                            ModelDirectory.save(dir.resolve(ProgressiveDistillation.TEACHER), from.unet(), from.scheduler());
                        }
                    }
                    group.barrier();
                    trainer = Trainer.start(dir, teacher.unet().config(),
                            ProgressiveDistillation.studentProcess(teacher.scheduler(), k), settings, images, device, group);
                }
                try (Trainer t = trainer) {
                    t.run(listener.training());
                }
                listener.stageDone(k);
            }
            previous = dir;
        }
        if (group.isMain()) {
            try (Model last = ModelDirectory.load(previous)) {
                ModelDirectory.save(out, last.unet(), last.scheduler(), plan.settings().layout());
            }
        }
        group.barrier();
    }
}
