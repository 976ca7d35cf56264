import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';

// The shipped pre-setup hook, run by the real ansible-playbook against a real sshd on loopback.
// The sshd runs on this machine, so the "server" the hook inspects is this machine: the tests
// pick their own free and busy ports and move the thresholds to make each check pass or fail.
const HOOK = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../playbook-hooks/pre-setup/10-server-preflight.yml',
);

interface Run {
  status: number | null;
  out: string;
}

interface Scenario {
  /** Written to host_vars/<name>/vars.yml, where an operator would put overrides. */
  vars: Record<string, unknown>;
  /** Extra inventory variables on the host line. */
  hostLine?: string;
}

/** What one host got: the Report task's lines and the failure message's lines. */
interface HostResult {
  report: string[];
  failures: string[];
  recap: string;
}

function hostResult(run: Run, host: string): HostResult {
  const lines = run.out.split('\n');
  const start = lines.indexOf(`ok: [${host}] => {`);
  const end = lines.indexOf('}', start);
  const report =
    start >= 0 ? (JSON.parse(`{${lines.slice(start + 1, end).join('\n')}}`) as { msg: string[] }).msg : [];
  const fatal = lines.find((l) => l.startsWith(`fatal: [${host}]: FAILED! =>`));
  const failures = fatal ? (JSON.parse(fatal.slice(fatal.indexOf('=>') + 2)) as { msg: string[] }).msg : [];
  const recap = lines.find((l) => l.startsWith(`${host} `) && l.includes('ok=')) ?? '';
  return { report, failures, recap };
}

function listenTcp(host: string): Promise<Server> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, host, () => res(srv));
  });
}

function bindUdp(host: string): Promise<UdpSocket> {
  return new Promise((res, rej) => {
    const sock = createSocket('udp4');
    sock.once('error', rej);
    sock.bind(0, host, () => res(sock));
  });
}

const tcpPort = (s: Server) => (s.address() as { port: number }).port;

/** A UDP port nothing is bound to (bound once, then released). */
async function freeUdpPort(): Promise<number> {
  const s = await bindUdp('127.0.0.1');
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('pre-setup hook: server preflight (real ansible-playbook over a real sshd)', () => {
  let sshd: TestSshd;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let restrictedKey: string;
  let dockerKey: string;
  let refusingKey: string;
  let proxy: ChildProcess;
  let ownTcp: number;
  let otherTcp: number;
  let unknownTcp: number;
  let ownUdp: number;
  let busyTcp: Server;
  let busyTcpAny: Server;
  let busyUdp: UdpSocket;
  let freeTcp: number;
  let freeUdp: number;
  let arch: string;
  let single: Run;
  let multi: Run;
  const host = (name: string) => hostResult(multi, name);

  /** Everything passes with these: ports known to be free, thresholds far below this machine. */
  const passing = () => ({
    matrix_oob_preflight_tcp_ports: [freeTcp],
    matrix_oob_preflight_udp_ports: [freeUdp],
    matrix_oob_preflight_min_disk_free_gib: 0.001,
    matrix_oob_preflight_recommended_disk_free_gib: 0.001,
    matrix_oob_preflight_min_memory_mib: 1,
    matrix_oob_preflight_recommended_memory_mib: 1,
  });

  /**
   * Writes a case-like inventory with one host per scenario (all of them this sshd) and runs
   * the hook once: Ansible checks the hosts in parallel, each with its own host_vars.
   */
  function preflight(name: string, scenarios: Record<string, Scenario>): Promise<Run> {
    const inv = join(dir, name);
    const hosts = ['[matrix_servers]'];
    for (const [host, sc] of Object.entries(scenarios)) {
      hosts.push(
        `${host} ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_ssh_user=root ${sc.hostLine ?? ''}`,
      );
      mkdirSync(join(inv, 'host_vars', host), { recursive: true });
      // JSON is YAML.
      writeFileSync(join(inv, 'host_vars', host, 'vars.yml'), JSON.stringify(sc.vars));
    }
    writeFileSync(join(inv, 'hosts'), `${hosts.join('\n')}\n`);
    return new Promise((res, rej) => {
      const child = spawn('ansible-playbook', ['-i', join(inv, 'hosts'), HOOK], {
        cwd: dir,
        env: { ...env, ANSIBLE_FORKS: '20' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('error', rej);
      child.once('close', (status) => res({ status, out }));
    });
  }

  /** A login key whose sessions run this forced command instead of what Ansible asks for. */
  function keyWithCommand(name: string, command: string): string {
    const key = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const authorized = join(sshd.dir, 'authorized_keys');
    writeFileSync(
      authorized,
      `${readFileSync(authorized, 'utf8').trim()}\ncommand="${command}" ${readFileSync(`${key}.pub`, 'utf8')}`,
    );
    return key;
  }
  /** A login key whose sessions run what Ansible asks for, with this PATH. */
  const keyWithPath = (name: string, path: string) =>
    keyWithCommand(name, `PATH=${path} exec /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"`);

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'matrix-oob-preflight-'));
    writeFileSync(join(dir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    env = {
      ...process.env,
      ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
      ANSIBLE_PRIVATE_KEY_FILE: sshd.clientKey,
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
      // The output format the assertions read, whatever the developer's own settings.
      ANSIBLE_STDOUT_CALLBACK: 'default',
      ANSIBLE_CALLBACK_RESULT_FORMAT: 'json',
    };
    arch = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();

    // A second login key whose sessions see a PATH without python3 and sudo: a server where
    // neither is installed (the forced command runs what Ansible asked for with that PATH).
    const bin = join(dir, 'bare-bin');
    mkdirSync(bin);
    for (const tool of ['uname', 'id', 'ss', 'df']) {
      symlinkSync(
        execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(),
        join(bin, tool),
      );
    }
    restrictedKey = keyWithPath('id_bare', bin);

    // A server where Docker publishes ports, as on a re-run over an earlier install: listeners
    // held by a process named docker-proxy (Python under that name) and a `docker` command
    // that lists which container publishes which port (there is no Docker engine here).
    const dockerBin = join(dir, 'docker-bin');
    mkdirSync(dockerBin);
    symlinkSync(realpathSync('/usr/bin/python3'), join(dockerBin, 'docker-proxy'));
    proxy = spawn(
      join(dockerBin, 'docker-proxy'),
      [
        '-c',
        [
          'import socket, sys, time',
          'held = []',
          'for kind in (socket.SOCK_STREAM, socket.SOCK_STREAM, socket.SOCK_STREAM, socket.SOCK_DGRAM):',
          '    s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", 0))',
          '    if kind == socket.SOCK_STREAM: s.listen()',
          '    held.append(s)',
          'print(" ".join(str(s.getsockname()[1]) for s in held), flush=True)',
          'sys.stdin.read()',
        ].join('\n'),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const proxied = await new Promise<string>((res, rej) => {
      proxy.once('error', rej);
      proxy.stdout!.once('data', (d: Buffer) => res(d.toString().trim()));
    });
    [ownTcp, otherTcp, unknownTcp, ownUdp] = proxied.split(' ').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    writeFileSync(
      join(dockerBin, 'docker'),
      [
        '#!/bin/sh',
        `echo 'matrix-traefik|0.0.0.0:${ownTcp}->8080/tcp, [::]:${ownTcp}->8080/tcp'`,
        `echo 'matrix-coturn|0.0.0.0:${ownUdp - 1}-${ownUdp + 1}->${ownUdp - 1}-${ownUdp + 1}/udp'`,
        `echo 'some-app|127.0.0.1:${otherTcp}->80/tcp, 8443/tcp'`,
        '',
      ].join('\n'),
    );
    chmodSync(join(dockerBin, 'docker'), 0o755);
    dockerKey = keyWithPath('id_docker', `${dockerBin}:$PATH`);
    // An account that cannot run commands (a forced message, as some hosting images do).
    refusingKey = keyWithCommand(
      'id_refusing',
      'echo Please log in as the user debian rather than root.; exit 1',
    );

    busyTcp = await listenTcp('127.0.0.1');
    busyTcpAny = await listenTcp('0.0.0.0');
    busyUdp = await bindUdp('127.0.0.1');
    freeTcp = await freePort();
    freeUdp = await freeUdpPort();

    const defaultPorts = {
      matrix_oob_preflight_tcp_ports: undefined,
      matrix_oob_preflight_udp_ports: undefined,
    };
    [single, multi] = await Promise.all([
      // Alone, to see the exit code of a passing run. ansible_become with a broken become
      // executable: the read-only checks must not use it.
      preflight('single', {
        pass: { vars: passing(), hostLine: 'ansible_become=true ansible_become_exe=/nonexistent/sudo' },
      }),
      preflight('multi', {
        'busy-tcp': { vars: { ...passing(), matrix_oob_preflight_tcp_ports: [tcpPort(busyTcp)] } },
        'busy-udp': { vars: { ...passing(), matrix_oob_preflight_udp_ports: [busyUdp.address().port] } },
        disk: { vars: { ...passing(), matrix_oob_preflight_min_disk_free_gib: 1e9 } },
        memory: { vars: { ...passing(), matrix_oob_preflight_min_memory_mib: 1e9 } },
        warnings: {
          vars: {
            ...passing(),
            matrix_oob_preflight_recommended_memory_mib: 1e9,
            matrix_oob_preflight_recommended_disk_free_gib: 1e9,
            matrix_oob_preflight_supported_architectures: ['amd64', 'arm64'],
            matrix_oob_preflight_min_python_version: '99.0',
          },
        },
        arch: {
          vars: { ...passing(), matrix_oob_preflight_supported_architectures: ['riscv64', 'ppc64le'] },
        },
        several: {
          vars: {
            ...passing(),
            matrix_oob_preflight_tcp_ports: [freeTcp, `${tcpPort(busyTcpAny)}-${tcpPort(busyTcpAny)}`],
            matrix_oob_preflight_min_disk_free_gib: 1e9,
            matrix_oob_preflight_supported_architectures: ['riscv64'],
          },
        },
        bare: { vars: passing(), hostLine: `ansible_ssh_private_key_file=${restrictedKey}` },
        interpreter: { vars: passing(), hostLine: 'ansible_python_interpreter=/nonexistent/bin/python3' },
        'interpreter-broken': {
          vars: passing(),
          hostLine: "ansible_python_interpreter='/usr/bin/env no-such-python'",
        },
        'interpreter-env': { vars: passing(), hostLine: "ansible_python_interpreter='/usr/bin/env python3'" },
        'bad-settings': {
          vars: {
            ...passing(),
            matrix_oob_preflight_tcp_ports: [freeTcp, 'http', '9-8'],
            matrix_oob_preflight_udp_ports: '70000',
            matrix_oob_preflight_min_memory_mib: 'lots',
            matrix_oob_preflight_min_python_version: '3.x',
          },
        },
        // Default port lists: whether 80/443 are free here is not ours to know, so only the
        // list of checked ports is asserted.
        defaults: { vars: { ...passing(), ...defaultPorts } },
        coturn: { vars: { ...passing(), ...defaultPorts, coturn_enabled: true } },
        jitsi: { vars: { ...passing(), ...defaultPorts, jitsi_enabled: 'true' } },
        // What init writes for audio_video.stack: element-call / both.
        rtc: { vars: { ...passing(), ...defaultPorts, matrix_rtc_enabled: true, jitsi_enabled: false } },
        both: { vars: { ...passing(), ...defaultPorts, matrix_rtc_enabled: true, jitsi_enabled: true } },
        rerun: {
          vars: {
            ...passing(),
            matrix_oob_preflight_tcp_ports: [ownTcp, otherTcp, unknownTcp],
            matrix_oob_preflight_udp_ports: [ownUdp],
          },
          hostLine: `ansible_ssh_private_key_file=${dockerKey}`,
        },
        // No docker command to ask, but the MDAD data folder exists: a warning, not a failure.
        refusing: { vars: passing(), hostLine: `ansible_ssh_private_key_file=${refusingKey}` },
        'rerun-unknown': {
          vars: {
            ...passing(),
            matrix_oob_preflight_tcp_ports: [unknownTcp],
            matrix_oob_preflight_disk_path: dir,
          },
        },
      }),
    ]);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([
      new Promise((r) => busyTcp?.close(r)),
      new Promise((r) => busyTcpAny?.close(r)),
      new Promise<void>((r) => (busyUdp ? busyUdp.close(() => r()) : r())),
    ]);
    proxy?.kill();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const problems = (n: number, on: string) =>
    `server preflight: ${n} problem(s) on ${on} (see docs/preflight.md)`;
  const stopNode = (port: number, proto: string) =>
    `Fix: stop node or move it to another port (for a service: systemctl disable --now node), so ${port}/${proto} is free for the Matrix server`;

  it('passes with a short ok summary when the server is fit, without using become', () => {
    const r = hostResult(single, 'pass');
    expect(r.report).toHaveLength(6);
    expect(r.report[0]).toBe(`OK: architecture ${arch}`);
    expect(r.report[1]).toMatch(/^OK: Python 3\.\d+\.\d+ at \/\S+$/);
    expect(r.report[2]).toMatch(/^OK: sudo at \/\S*sudo$/);
    expect(r.report[3]).toBe(`OK: ports free: ${freeTcp}/tcp; ${freeUdp}/udp`);
    expect(r.report[4]).toMatch(
      /^OK: disk: \d+\.\d GiB free on \/\S* \((where \/matrix will be|holding \/matrix)\)$/,
    );
    expect(r.report[5]).toMatch(/^OK: memory \d+ MiB \(\d+\.\d GiB\)$/);
    expect(r.failures).toEqual([]);
    expect(r.recap).toMatch(/failed=0/);
    expect(single.status).toBe(0);
  });

  it('exits non-zero when a check fails', () => {
    expect(multi.status).not.toBe(0);
    expect(multi.status).not.toBeNull();
  });

  it('names a busy TCP port, the process holding it and the fix', () => {
    const port = tcpPort(busyTcp);
    const r = host('busy-tcp');
    expect(r.failures).toEqual([
      problems(1, 'busy-tcp'),
      `port ${port}/tcp is in use by node (pid ${process.pid}) on 127.0.0.1:${port}. ${stopNode(port, 'tcp')}`,
    ]);
    expect(r.report).toContain(`INFO: ports checked: ${port}/tcp; ${freeUdp}/udp`);
    expect(r.report).toContain(`OK: architecture ${arch}`);
  });

  it('names a busy UDP port', () => {
    const port = busyUdp.address().port;
    expect(host('busy-udp').failures).toEqual([
      problems(1, 'busy-udp'),
      `port ${port}/udp is in use by node (pid ${process.pid}) on 127.0.0.1:${port}. ${stopNode(port, 'udp')}`,
    ]);
  });

  it('fails when the disk holding /matrix has too little free space', () => {
    const f = host('disk').failures;
    expect(f).toHaveLength(2);
    expect(f[1]).toMatch(
      /^only \d+\.\d GiB free on \/\S* \((where \/matrix will be|holding \/matrix)\); at least 1000000000 GiB needed\. Fix: free space or grow the disk .*matrix_oob_preflight_min_disk_free_gib$/,
    );
  });

  it('fails when the server has too little memory', () => {
    const f = host('memory').failures;
    expect(f).toHaveLength(2);
    expect(f[1]).toMatch(
      /^only \d+ MiB \(\d+\.\d GiB\) of memory; at least 1000000000 MiB needed\. Fix: resize the server .*matrix_oob_preflight_min_memory_mib$/,
    );
  });

  it('warns, without failing, below the recommended memory and disk; accepts amd64/arm64 names', () => {
    const r = host('warnings');
    expect(r.report).toContainEqual(
      expect.stringMatching(/^WARN: memory \d+ MiB .*less than the recommended 1000000000 MiB/),
    );
    expect(r.report).toContainEqual(
      expect.stringMatching(/^WARN: \d+\.\d GiB free on .*less than the recommended 1000000000 GiB/),
    );
    expect(r.report).toContainEqual(
      expect.stringMatching(
        /^WARN: Python 3\.\d+\.\d+ at \S+ is older than 99\.0: recent ansible-core releases/,
      ),
    );
    expect(r.report).toContain(`OK: architecture ${arch}`);
    expect(r.failures).toEqual([]);
    expect(r.recap).toMatch(/failed=0/);
  });

  it('fails on an unsupported architecture, naming the supported ones', () => {
    expect(host('arch').failures).toEqual([
      problems(1, 'arch'),
      `architecture ${arch} is not supported (supported: riscv64, ppc64le). Fix: use a server with one of: riscv64, ppc64le (MDAD's container images are published for amd64 and arm64)`,
    ]);
  });

  it('runs every check and reports all failures together, once', () => {
    const port = tcpPort(busyTcpAny);
    const r = host('several');
    expect(r.failures).toHaveLength(4);
    expect(r.failures[0]).toBe(problems(3, 'several'));
    expect(r.failures[1]).toMatch(/^architecture .* is not supported/);
    expect(r.failures[2]).toBe(
      `port ${port}/tcp is in use by node (pid ${process.pid}) on 0.0.0.0:${port}. ${stopNode(port, 'tcp')}`,
    );
    expect(r.failures[3]).toMatch(/^only .* GiB free .* at least 1000000000 GiB needed\. Fix:/);
    expect(multi.out.match(/fatal: \[several\]/g)).toHaveLength(1);
    // The checks that pass still run and are shown.
    expect(r.report).toContainEqual(expect.stringMatching(/^OK: sudo at /));
    expect(r.report).toContainEqual(expect.stringMatching(/^OK: memory /));
    expect(r.report).toContain(`INFO: ports checked: ${freeTcp}, ${port}-${port}/tcp; ${freeUdp}/udp`);
  });

  it('reports missing Python 3 and sudo, and still checks the rest without Python', () => {
    const r = host('bare');
    expect(r.failures).toEqual([
      problems(2, 'bare'),
      'Python 3 not found on the server: python3 is missing. Fix: install it as root: apt-get install -y python3 (Debian/Ubuntu) or dnf install -y python3 (Ansible needs it on the server)',
      'sudo not found on the server. Fix: install it as root: apt-get install -y sudo (Debian/Ubuntu) or dnf install -y sudo; MDAD runs commands through sudo even when it logs in as root',
    ]);
    expect(r.report).toContain(`OK: ports free: ${freeTcp}/tcp; ${freeUdp}/udp`);
    expect(r.report).toContainEqual(expect.stringMatching(/^OK: disk: /));
    expect(r.report).toContainEqual(expect.stringMatching(/^OK: memory /));
  });

  it('checks the interpreter the inventory names, also as a command line', () => {
    expect(host('interpreter-broken').failures).toEqual([
      problems(1, 'interpreter-broken'),
      'Python 3 does not run on the server: ansible_python_interpreter=/usr/bin/env no-such-python (set in the inventory) failed. Fix: repair or reinstall Python 3 as root (apt-get install --reinstall python3); or correct ansible_python_interpreter in the inventory',
    ]);
    expect(host('interpreter-env').report).toContainEqual(
      expect.stringMatching(/^OK: Python 3\.\d+\.\d+ at \/usr\/bin\/env python3$/),
    );
    expect(host('interpreter').failures).toEqual([
      problems(1, 'interpreter'),
      'Python 3 not found on the server: ansible_python_interpreter=/nonexistent/bin/python3 (set in the inventory) is missing. Fix: install it as root: apt-get install -y python3 (Debian/Ubuntu) or dnf install -y python3; or correct ansible_python_interpreter in the inventory',
    ]);
  });

  it('rejects bad settings with the variable name and the fix, and still checks the valid ports', () => {
    const r = host('bad-settings');
    const fix = `Fix: use ports 1-65535 and ranges like '49152-49172', as a YAML list (e.g. [80, 443])`;
    expect(r.failures).toEqual([
      problems(5, 'bad-settings'),
      'matrix_oob_preflight_min_memory_mib: "lots" is not a number. Fix: set it to a plain number in the inventory (e.g. matrix_oob_preflight_min_memory_mib: 10), or remove it to use the default',
      `matrix_oob_preflight_min_python_version: "3.x" is not a version. Fix: set it to a quoted version such as '3.8' (unquoted, 3.10 would read as 3.1)`,
      `matrix_oob_preflight_tcp_ports: "http" is not a port or a port range. ${fix}`,
      `matrix_oob_preflight_tcp_ports: "9-8" is not a port or a port range. ${fix}`,
      `matrix_oob_preflight_udp_ports: "70000" is not a port or a port range. ${fix}`,
    ]);
    expect(r.report).toContain(`OK: ports free: ${freeTcp}/tcp`);
  });

  it("checks MDAD's ports by default, and coturn's, Jitsi's and LiveKit's when they are enabled", () => {
    const listed = (name: string) =>
      host(name)
        .report.map((l) => l.match(/ports (?:free|checked): (.*)$/)?.[1])
        .find(Boolean);
    expect(listed('defaults')).toBe('80, 443, 8448/tcp; 443, 8448/udp');
    expect(listed('coturn')).toBe('80, 443, 8448, 3478, 5349/tcp; 443, 8448, 3478, 5349, 49152-49172/udp');
    expect(listed('jitsi')).toBe(
      '80, 443, 8448, 3478, 5349/tcp; 443, 8448, 3478, 5349, 49152-49172, 10000/udp',
    );
    // Element Call: LiveKit's ICE and TURN ports, no coturn (MDAD's livekit-server docs).
    expect(listed('rtc')).toBe('80, 443, 8448, 7881, 5350/tcp; 443, 8448, 7882, 3479, 30000-30020/udp');
    expect(listed('both')).toBe(
      '80, 443, 8448, 3478, 5349, 7881, 5350/tcp; 443, 8448, 3478, 5349, 49152-49172, 10000, 7882, 3479, 30000-30020/udp',
    );
  });

  it("accepts ports held by this server's own Matrix containers on a re-run, names other containers", () => {
    const r = host('rerun');
    expect(r.report).toContain(
      `INFO: port ${ownTcp}/tcp is in use by matrix-traefik on 127.0.0.1:${ownTcp}: this server's own Matrix install, which MDAD's setup manages`,
    );
    expect(r.report).toContain(
      `INFO: port ${ownUdp}/udp is in use by matrix-coturn on 127.0.0.1:${ownUdp}: this server's own Matrix install, which MDAD's setup manages`,
    );
    expect(r.failures).toEqual([
      problems(2, 'rerun'),
      `port ${otherTcp}/tcp is in use by the Docker container some-app on 127.0.0.1:${otherTcp}. Fix: stop it and keep it stopped (docker stop some-app and docker rm some-app, or docker update --restart=no some-app), so ${otherTcp}/tcp is free for the Matrix server`,
      `port ${unknownTcp}/tcp is in use by a Docker container (docker-proxy pid ${proxy.pid}) on 127.0.0.1:${unknownTcp}. Fix: find it as root with docker ps and stop it (docker stop NAME, then docker rm NAME), so ${unknownTcp}/tcp is free for the Matrix server`,
    ]);
  });

  it('only warns about a Docker-held port when docker ps cannot tell but the MDAD data folder exists', () => {
    const r = host('rerun-unknown');
    expect(r.failures).toEqual([]);
    expect(r.report).toContain(
      `WARN: port ${unknownTcp}/tcp is in use by a Docker container (docker-proxy pid ${proxy.pid}) on 127.0.0.1:${unknownTcp}: probably this server's own Matrix install (${dir} exists; docker ps could not tell); if not, find it as root with docker ps and stop it (docker stop NAME, then docker rm NAME), so ${unknownTcp}/tcp is free for the Matrix server`,
    );
  });

  it('says so, and judges nothing else, when commands cannot run on the server', () => {
    const r = host('refusing');
    expect(r.failures).toEqual([
      problems(1, 'refusing'),
      'the checks could not run on the server (exit 1), it said: "Please log in as the user debian rather than root.". Fix: make sure the login user can run commands with /bin/sh (ssh in and try: /bin/sh -c "uname -m; df -Pk /")',
    ]);
    expect(r.report).toHaveLength(1);
  });
});
