package dev.patrol.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The class-data archive of deploy/docker/Dockerfile is written in a build stage and used under the
 * memory limit of deploy/kubernetes/patrol.yaml. The JVM maps it only when the flags that decide the
 * object layout are the same at both ends; otherwise it drops the archive without a word (only
 * -Xlog:cds says "The saved state of UseCompressedOops and UseCompressedClassPointers is different
 * from runtime") and patrol starts about twice as slowly. A build stage has no memory limit, so its
 * JVM sizes its heap from the build host: the training run's options must fix that layout, whatever
 * host builds the image. The build host is stood in for by -XX:MaxRAM, given first so that the
 * Dockerfile's own options win over it.
 */
class CdsArchiveFlagsTest {

    static final Path DOCKERFILE = Path.of("deploy/docker/Dockerfile");
    static final Path MANIFEST = Path.of("deploy/kubernetes/patrol.yaml");
    /** What the image's run-java.sh adds (java-default-options: JAVA_MAX_MEM_RATIO unset). */
    static final String RUN_JAVA_MAX_MEMORY = "-XX:MaxRAMPercentage=50.0";
    static final List<String> LAYOUT = List.of("UseCompressedOops", "UseCompressedClassPointers", "ObjectAlignmentInBytes");

    @ParameterizedTest
    @ValueSource(strings = { "8g", "64g", "128g", "512g" })
    void theTrainingRunWritesTheObjectLayoutThePodRunsWithOnAnyBuildHost(String buildHostMemory) throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        Matcher training = Pattern.compile("RUN JAVA_OPTS=\"([^\"]*)\" bash /tmp/cds/cds-training.sh").matcher(dockerfile);
        assertTrue(training.find(), "the training stage's RUN line");

        List<String> runtime = new ArrayList<>();
        runtime.add("-XX:MaxRAM=" + podMemoryLimit());
        runtime.add(RUN_JAVA_MAX_MEMORY);
        runtime.addAll(xxOptions(dockerfileEnv(dockerfile, "GC_CONTAINER_OPTIONS")));
        runtime.addAll(xxOptions(dockerfileEnv(dockerfile, "JAVA_OPTS_APPEND")));

        List<String> build = new ArrayList<>();
        build.add("-XX:MaxRAM=" + buildHostMemory);
        build.addAll(xxOptions(training.group(1)));

        assertEquals(layout(runtime), layout(build), "training options " + build + ", pod " + runtime);
    }

    /** The container's memory limit in the manifest, as -XX:MaxRAM takes it (512Mi -> 512m). */
    static String podMemoryLimit() throws Exception {
        Matcher m = Pattern.compile("limits:\\s*\\n(?:\\s+cpu:.*\\n)?\\s+memory:\\s*(\\d+)(Mi|Gi)")
                .matcher(Files.readString(MANIFEST));
        assertTrue(m.find(), "the memory limit in " + MANIFEST);
        return m.group(1) + (m.group(2).equals("Mi") ? "m" : "g");
    }

    static String dockerfileEnv(String dockerfile, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + name + "=\"([^\"]*)\"").matcher(dockerfile);
        assertTrue(m.find(), name + " in the Dockerfile");
        return m.group(1);
    }

    /** The -XX options, without the archive itself (the layout is decided without it). */
    static List<String> xxOptions(String options) {
        return Arrays.stream(options.trim().split("\\s+")).filter(o -> o.startsWith("-XX:"))
                .filter(o -> !o.startsWith("-XX:SharedArchiveFile")).toList();
    }

    static Map<String, String> layout(List<String> options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(options);
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -version ended");
        assertEquals(0, p.exitValue(), out);
        Map<String, String> flags = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && LAYOUT.contains(f[1]))
                flags.put(f[1], f[3]);
        }
        assertEquals(LAYOUT.size(), flags.size(), out);
        return flags;
    }
}
