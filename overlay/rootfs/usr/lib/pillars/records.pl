#!/usr/bin/perl
# pillars-records: the lab's replicated service, a numbered-record store on the DRBD filesystem.
#
# The same service as records.cjs (overlay/roles/heartbeat/records-main.ts), for the images that
# carry perl (the heartbeat profile): its start is part of every takeover, and under emulation
# Node.js takes 5-6 s to start, python3 about 1.1 s, perl a fraction of that. It loads no module on
# the way to listening on an IPv4 address: the socket calls are perl's own, with Linux's constants
# (Socket.pm's import alone was most of perl's start-up); an IPv6 address loads Socket.
#
# POST /record/<n> appends "<n> <node>" to <dir>/records and answers 200 only once the record is
# on disk (the file is opened O_SYNC: each write returns when it is, as write + fsync), unless the
# client has already hung up (then nothing is written); GET
# /records returns the file; GET / answers "<node>". One request per connection (Connection:
# close), one connection at a time, each bounded to 5 s.
#
# --daemon PIDFILE: once it listens, the service goes on in a child process (its own process
# group, standard input and output on /dev/null) whose PID is written to PIDFILE, and the command
# returns 0: its exit says it listens, with no FIFO, no start-stop-daemon and no waiter beside it
# (under emulation each of those was a program start on the way to every takeover). It gives up
# (SIGALRM) if it does not listen within 30 s.
#
#   records.pl --listen ADDRESS:PORT --dir DIR [--ready FIFO | --daemon PIDFILE]
use strict;

# Constants as subs, not `use constant` (which loads warnings.pm). Linux's values (asm-generic:
# x86 and arm alike).
sub MAX_HEAD () { 8192 }
sub AF_INET () { 2 }
sub SOCK_STREAM () { 1 }
sub SOL_SOCKET () { 1 }
sub SO_REUSEADDR () { 2 }
sub SO_RCVTIMEO () { 20 }
sub SO_SNDTIMEO () { 21 }
sub O_WRONLY () { 1 }
sub O_CREAT () { 0100 }
sub O_APPEND () { 02000 }
sub O_NONBLOCK () { 04000 }
sub O_SYNC () { 04010000 }
sub MSG_PEEK () { 2 }
sub MSG_DONTWAIT () { 0x40 }

# A client that goes away mid-answer must not end the service.
$SIG{PIPE} = 'IGNORE';

my ($listen, $dir, $ready, $daemon) = ('0.0.0.0:8080', '/srv/data', undef, undef);
for (my $i = 0; $i < @ARGV; $i++) {
  if ($ARGV[$i] eq '--listen' && $i + 1 < @ARGV) { $listen = $ARGV[++$i] }
  elsif ($ARGV[$i] eq '--dir' && $i + 1 < @ARGV) { $dir = $ARGV[++$i] }
  elsif ($ARGV[$i] eq '--ready' && $i + 1 < @ARGV) { $ready = $ARGV[++$i] }
  elsif ($ARGV[$i] eq '--daemon' && $i + 1 < @ARGV) { $daemon = $ARGV[++$i] }
}
# Bounded: a start that hangs before listening ends here (an alarm is not inherited by the child).
alarm 30 if defined $daemon;
my ($host, $port) = $listen =~ /^(.*):(\d{1,5})$/ or die "records.pl: --listen ADDRESS:PORT, not '$listen'\n";
# pack('n') would wrap a port above 65535 onto another one.
die "records.pl: --listen port $port is not 1-65535\n" if $port < 1 || $port > 65535;
$host = '0.0.0.0' if $host eq '';
$host = $1 if $host =~ /^\[(.*)\]$/;

my $path = "$dir/records";
sysopen(my $out, $path, O_WRONLY | O_APPEND | O_CREAT | O_SYNC, 0644) or die "records.pl: $path: $!\n";
open(my $hn, '<', '/proc/sys/kernel/hostname') or die "records.pl: hostname: $!\n";
my $node = <$hn>;
close $hn;
chomp $node;

my $srv;
my @ipv4 = $host =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
if (@ipv4 == 4 && !grep { $_ > 255 } @ipv4) {
  socket($srv, AF_INET, SOCK_STREAM, 0) or die "records.pl: socket: $!\n";
  setsockopt($srv, SOL_SOCKET, SO_REUSEADDR, pack('i', 1));
  bind($srv, pack('S n C4 x8', AF_INET, $port, @ipv4)) or die "records.pl: bind $listen: $!\n";
} else {
  require Socket;
  my ($err, @res) = Socket::getaddrinfo($host, $port, { flags => Socket::AI_NUMERICHOST(), socktype => SOCK_STREAM });
  die "records.pl: --listen $listen: $err\n" if $err;
  socket($srv, $res[0]{family}, SOCK_STREAM, 0) or die "records.pl: socket: $!\n";
  setsockopt($srv, SOL_SOCKET, SO_REUSEADDR, pack('i', 1));
  bind($srv, $res[0]{addr}) or die "records.pl: bind $listen: $!\n";
}
listen($srv, 64) or die "records.pl: listen: $!\n";

if (defined $daemon) {
  # The PID file is written whole (temporary file, rename) before the command returns.
  my $pid = fork();
  die "records.pl: fork: $!\n" unless defined $pid;
  if ($pid) {
    my $tmp = "$daemon.$$";
    # Without its PID file nobody could stop the child: it goes too.
    my $fail = sub { my $why = $!; kill 'KILL', $pid; unlink $tmp; die "records.pl: $_[0]: $why\n" };
    open(my $pf, '>', $tmp) or $fail->($tmp);
    print $pf "$pid\n";
    close($pf) or $fail->($tmp);
    rename($tmp, $daemon) or $fail->($daemon);
    exit 0;
  }
  setpgrp(0, 0);
  open(STDIN, '<', '/dev/null');
  open(STDOUT, '>', '/dev/null');
  open(STDERR, '>', '/dev/null');
}

if (defined $ready) {
  # Non-blocking: the resource script holds the FIFO open; with nobody reading, nobody waits.
  if (sysopen(my $r, $ready, O_WRONLY | O_NONBLOCK)) {
    syswrite($r, "ready\n");
    close $r;
  }
}

my %REASON = (200 => 'OK', 400 => 'Bad Request', 404 => 'Not Found', 503 => 'Service Unavailable');

sub answer {
  my ($conn, $status, $body) = @_;
  my $msg = "HTTP/1.1 $status $REASON{$status}\r\ncontent-type: text/plain\r\ncontent-length: "
    . length($body) . "\r\nconnection: close\r\n\r\n$body";
  while (length $msg) {
    my $n = syswrite($conn, $msg);
    return unless defined $n && $n > 0;
    substr($msg, 0, $n) = '';
  }
}

# After answering a request it did not read to the end: say no more, then read (and drop) what the
# client is still sending, at most 1 MiB and 1 s, before the close. Closed with unread data, the
# socket would answer the client with a reset, which can throw away the answer before it is read.
sub linger {
  my ($conn) = @_;
  shutdown($conn, 1);
  setsockopt($conn, SOL_SOCKET, SO_RCVTIMEO, pack('l! l!', 1, 0));
  my ($buf, $total) = ('', 0);
  while ($total < (1 << 20)) {
    my $n = sysread($conn, $buf, 65536);
    last unless $n;
    $total += $n;
  }
  return;
}

sub serve {
  my ($conn) = @_;
  my $data = '';
  while (index($data, "\r\n\r\n") < 0) {
    my $n = sysread($conn, $data, 4096, length $data);
    return unless $n;
    if (length($data) > MAX_HEAD) {
      answer($conn, 400, "request too large\n");
      return linger($conn);
    }
  }
  my ($head, $body) = split(/\r\n\r\n/, $data, 2);
  my @lines = split(/\r\n/, $head);
  my @parts = split(/ /, $lines[0], -1);
  return answer($conn, 400, "bad request line\n") unless @parts == 3;
  my ($method, $url) = @parts;
  my $length = 0;
  for my $line (@lines[1 .. $#lines]) {
    my ($name, $value) = split(/:/, $line, 2);
    next unless lc($name =~ s/^\s+|\s+$//gr) eq 'content-length';
    $value =~ s/^\s+|\s+$//g;
    return answer($conn, 400, "bad content-length\n") unless $value =~ /^\d{1,9}$/;
    $length = $value;
  }
  $body = '' unless defined $body;
  while (length($body) < $length && length($body) < MAX_HEAD) {
    my $n = sysread($conn, $body, 4096, length $body);
    last unless $n;
  }
  if ($method eq 'POST' && $url =~ m{^/record/(\d{1,12})$}) {
    my $line = "$1 $node\n";
    # A client that has already hung up (it gave up waiting) gets no record written: nobody would
    # see it acknowledged, and under load, serving such stale requests one at a time, each with a
    # write to disk, would leave every fresh one waiting behind them until it too is stale.
    my $peek = recv($conn, my $byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return if defined $peek && $byte eq '';
    # A failed write is never acknowledged.
    my $n = syswrite($out, $line);
    return answer($conn, 503, ($! || 'short write') . "\n") unless defined $n && $n == length $line;
    return answer($conn, 200, $line);
  }
  if ($method eq 'GET' && $url eq '/records') {
    open(my $f, '<', $path) or return answer($conn, 503, "$!\n");
    local $/;
    my $all = <$f>;
    close $f;
    return answer($conn, 200, defined $all ? $all : '');
  }
  return answer($conn, 200, "$node\n") if $method eq 'GET' && $url eq '/';
  return answer($conn, 404, "not found\n");
}

# Each connection bounded to 5 s: a read or write that waits longer fails, and the connection ends.
my $timeout = pack('l! l!', 5, 0);
while (1) {
  # A failed accept (out of file descriptors…) is tried again a tenth of a second later.
  accept(my $conn, $srv) or do { select(undef, undef, undef, 0.1); next };
  setsockopt($conn, SOL_SOCKET, SO_RCVTIMEO, $timeout);
  setsockopt($conn, SOL_SOCKET, SO_SNDTIMEO, $timeout);
  eval { serve($conn) };
  close $conn;
}
