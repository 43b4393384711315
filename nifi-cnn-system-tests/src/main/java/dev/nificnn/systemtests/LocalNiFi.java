package dev.nificnn.systemtests;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The NiFi home under nifi-cnn-system-tests/target/nifi, prepared and started as one unit (used by the demo and template authoring). */
public final class LocalNiFi {

    public static final int DEFAULT_PORT = 18080;
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(300);

    private final NiFiAssembly assembly;
    private final NiFiProcess process;

    public LocalNiFi(final Path moduleDirectory, final int httpPort, final String maximumHeap) {
        this.assembly = new NiFiAssembly(moduleDirectory.resolve("target/nifi"), moduleDirectory);
        this.process = new NiFiProcess(assembly.home(), httpPort, maximumHeap);
    }

    public NiFiAssembly assembly() {
        return assembly;
    }

    /** Lets NiFi outlive this JVM (the demo leaves it running). */
    public LocalNiFi detached() {
        process.detached();
        return this;
    }

    public NiFiProcess process() {
        return process;
    }

    /** Prepares conf/ for the port, optionally empties the flow and repositories, and starts NiFi. */
    public NiFiRestClient start(final int httpPort, final boolean fresh) throws IOException, InterruptedException {
        assembly.prepare(httpPort);
        if (fresh) {
            NiFiProcess.stopRecorded(assembly.home());
            assembly.reset();
        }
        process.start(STARTUP_TIMEOUT);
        return new NiFiRestClient(process.baseUrl());
    }
}
