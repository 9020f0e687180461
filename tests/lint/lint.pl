#!/usr/bin/perl
#
# make lint: the source rules of the relay (curl's checksrc is the model),
# checked over a tree whose top holds fcgi/ handlers/ policy/ openapi/
# tests/.  Each finding is printed as "file:line: rule: what"; the exit
# status is 1 if there is any.
#
#   banned     no sprintf, vsprintf, strcpy, strcat, strncat, strncpy,
#              gets, atoi, atol, atoll, strtok (snprintf, strtol with
#              checks, strtok_r instead), anywhere
#   include    libfcgi only in fcgi/; libcurl only in handlers/upstream.c;
#              sqlite3.h and hiredis only in handlers/state.c;
#              libwebsockets only in fcgi/wsbridge.c; no I/O header in
#              policy/ (sockets, files, descriptors, polling, threads)
#   layer      dependencies point one way, fcgi -> handlers -> openapi ->
#              policy: policy/ includes only policy/, openapi/ only
#              openapi/ and policy/, handlers/ anything but fcgi/
#   static     a function defined in a .c file of the relay and not
#              declared in one of its headers must be static
#   warnings   every C file the Makefile builds compiles without a
#              warning under the build's flags (given with --cflags)
#
# perl tests/lint/lint.pl [--cc CC] [--cflags FLAGS] [ROOT]
# perl tests/lint/lint.pl --self-test [--cc CC] [--cflags FLAGS]
#   runs it over tests/lint/fixtures/bad, where every rule must fire on
#   the file named for it, and tests/lint/fixtures/good, where none may.
#
# Only Perl's base modules, which every Debian system has (perl-base).
use strict;
use warnings;
use Getopt::Long;

my $cc = 'cc';
my $cflags = '';
my $self_test = 0;
GetOptions('cc=s' => \$cc, 'cflags=s' => \$cflags,
    'self-test' => \$self_test) or die "usage: lint.pl [--cc CC] " .
    "[--cflags FLAGS] [--self-test] [ROOT]\n";

my @RELAY_DIRS = qw(fcgi handlers policy openapi);
my $BANNED = qr/\b(sprintf|vsprintf|strcpy|strcat|strncat|strncpy|gets|
    atoi|atol|atoll|strtok)\s*\(/x;
# Headers of I/O policy/ must not include (it decides; others do I/O).
my $POLICY_IO = qr{^(?:sys/socket\.h|sys/un\.h|sys/select\.h|sys/epoll\.h|
    sys/stat\.h|sys/mman\.h|sys/wait\.h|netinet/.*|arpa/.*|netdb\.h|poll\.h|
    fcntl\.h|unistd\.h|dirent\.h|pthread\.h|signal\.h|fcgiapp\.h|
    fcgi_stdio\.h|fcgio\.h|curl/.*|libwebsockets\.h|sqlite3\.h|hiredis.*)$}x;
# Libraries each confined to the files that own them.
my @OWNED = (
    [ qr{^(?:fcgiapp|fcgi_stdio|fcgio|fcgi_config)\.h$}, qr{^fcgi/},
      'libfcgi only in fcgi/' ],
    [ qr{^curl/}, qr{^handlers/upstream\.c$},
      'libcurl only in handlers/upstream.c' ],
    [ qr{^(?:sqlite3\.h|hiredis)}, qr{^handlers/state\.c$},
      'sqlite3.h and hiredis only in handlers/state.c' ],
    [ qr{^libwebsockets\.h$}, qr{^fcgi/wsbridge\.c$},
      'libwebsockets only in fcgi/wsbridge.c' ],
);
# Which project directories each layer may include from.
my %MAY_INCLUDE = (
    policy => { policy => 1 },
    openapi => { openapi => 1, policy => 1 },
    handlers => { handlers => 1, openapi => 1, policy => 1 },
    fcgi => { fcgi => 1, handlers => 1, openapi => 1, policy => 1 },
);

sub slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or die "lint: cannot read $path: $!\n";
	local $/;
	my $text = <$fh>;
	close($fh);
	return $text;
}

# The text with comments and string and character literals blanked out,
# newlines kept, so line numbers still hold.
sub code_only {
	my ($text) = @_;
	$text =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|('(?:\\.|[^'\\\n])*')}{
	    defined $1 ? ($1 =~ tr/\n//cdr) : defined $2 ? '' :
	    defined $3 ? '""' : "''"}gse;
	return $text;
}

# Every file under root/dir (recursively) whose name matches re, as
# paths relative to root, skipping fixtures, corpora and npm's trees.
sub files_under {
	my ($root, $dir, $re) = @_;
	my @out;
	my @todo = ($dir);
	while (@todo) {
		my $d = shift @todo;
		opendir(my $dh, "$root/$d") or next;
		for my $e (sort readdir($dh)) {
			next if $e =~ /^\./;
			my $rel = "$d/$e";
			next if $rel =~ m{^tests/lint/fixtures|/corpus|node_modules};
			if (-d "$root/$rel") {
				push @todo, $rel;
			} elsif ($e =~ $re) {
				push @out, $rel;
			}
		}
		closedir($dh);
	}
	return @out;
}

sub lint_tree {
	my ($root) = @_;
	my @relay = map { files_under($root, $_, qr/\.[ch]$/) } @RELAY_DIRS;
	my @tests = files_under($root, 'tests', qr/\.[ch]$/);
	my @found;
	my $say = sub { push @found, join(': ', @_) };

	# Everything declared in a header of the relay: its API.
	my $api = join("\n", map { code_only(slurp("$root/$_")) }
	    grep { /\.h$/ } @relay);

	for my $file (@relay, @tests) {
		my $raw = slurp("$root/$file");
		my @code = split(/\n/, code_only($raw), -1);
		my @lines = split(/\n/, $raw, -1);
		my $is_relay = grep { $_ eq $file } @relay;
		my ($layer) = $file =~ m{^([a-z]+)/};

		for my $i (0 .. $#code) {
			$say->("$file:" . ($i + 1), 'banned', "$1() is banned")
			    if $code[$i] =~ $BANNED;
		}
		next unless $is_relay;
		for my $i (0 .. $#lines) {
			my $at = "$file:" . ($i + 1);
			if ($lines[$i] =~ /^\s*#\s*include\s*<([^>]+)>/) {
				my $h = $1;
				for my $o (@OWNED) {
					$say->($at, 'include', $o->[2])
					    if $h =~ $o->[0] && $file !~ $o->[1];
				}
				$say->($at, 'include', "<$h> is I/O: not in policy/")
				    if $layer eq 'policy' && $h =~ $POLICY_IO;
			} elsif ($lines[$i] =~ /^\s*#\s*include\s*"([a-z]+)\//) {
				my $to = $1;
				$say->($at, 'layer', "$layer/ may not include $to/")
				    if $MAY_INCLUDE{$layer} &&
				    exists $MAY_INCLUDE{$to} &&
				    !$MAY_INCLUDE{$layer}{$to};
			}
		}
		next unless $file =~ /\.c$/;
		# A body opens with "{" in column 0; the name starts the line
		# before (the type above it) or follows the type on it.
		for my $i (1 .. $#code) {
			next unless $code[$i] =~ /^\{/;
			my ($name, $type);
			for (my $k = $i - 1; $k >= 0 && $k >= $i - 8; $k--) {
				if ($code[$k] =~ /^([A-Za-z_]\w*)\s*\(/) {
					($name, $type) = ($1,
					    $k > 0 ? $code[$k - 1] : '');
					last;
				}
				if ($code[$k] =~ /^([A-Za-z_][\w\s\*]*?)\b([A-Za-z_]\w*)\s*\(/) {
					($name, $type) = ($2, $1);
					last;
				}
			}
			next if !defined $name || $name eq 'main' ||
			    $name =~ /^[A-Z_0-9]+$/;	# a macro's body
			next if $type =~ /\bstatic\b/ ||
			    $api =~ /\b\Q$name\E\s*\(/;
			$say->("$file:" . ($i + 1), 'static', "$name() is in no " .
			    "header of the relay: make it static");
		}
	}

	# What the Makefile compiles, compiled again with -Werror.
	my @compile = grep { /\.c$/ } (@relay, @tests);
	for my $r (compile_all($root, @compile)) {
		$say->($r->[0], 'warnings', $r->[1]);
	}
	return @found;
}

# Compiles each file (two at a time); returns [file, first lines of
# output] for those that warned.
sub compile_all {
	my ($root, @files) = @_;
	my @failed;
	my %running;
	my $dir = File::Temp::tempdir(CLEANUP => 1);
	my $n = 0;
	my $reap = sub {
		my $pid = wait();
		return if $pid <= 0 || !exists $running{$pid};
		my ($file, $out) = @{ delete $running{$pid} };
		if ($? != 0) {
			my @msg = grep { /warning|error/ } split(/\n/, slurp($out));
			push @failed, [ $file, (@msg ? $msg[0] : 'does not compile') ];
		}
	};
	for my $file (@files) {
		$reap->() while keys(%running) >= 2;
		my $out = "$dir/" . $n++ . ".log";
		my $pid = fork();
		die "lint: fork: $!\n" unless defined $pid;
		if ($pid == 0) {
			open(STDOUT, '>', $out);
			open(STDERR, '>&', \*STDOUT);
			exec('/bin/sh', '-c', "$cc -I'$root' $cflags -Werror -c " .
			    "-o /dev/null '$root/$file'");
			exit(127);
		}
		$running{$pid} = [ $file, $out ];
	}
	$reap->() while keys(%running);
	return sort { $a->[0] cmp $b->[0] } @failed;
}

use File::Temp ();

if ($self_test) {
	my $fixtures = 'tests/lint/fixtures';
	my @bad = lint_tree("$fixtures/bad");
	my @expect = (
	    [ 'handlers/banned.c', 'banned' ],
	    [ 'fcgi/exported.c', 'static' ],
	    [ 'handlers/has_curl.c', 'include' ],
	    [ 'handlers/has_fcgi.c', 'include' ],
	    [ 'fcgi/has_sqlite.c', 'include' ],
	    [ 'policy/has_socket.c', 'include' ],
	    [ 'policy/goes_up.c', 'layer' ],
	    [ 'openapi/warns.c', 'warnings' ],
	);
	my $ok = 1;
	for my $e (@expect) {
		next if grep { /^\Q$e->[0]\E(:\d+)?: \Q$e->[1]\E: / } @bad;
		print "lint self-test: $e->[0] broke rule $e->[1] unseen\n";
		$ok = 0;
	}
	my @good = lint_tree("$fixtures/good");
	print "lint self-test: a finding in the good tree: $_\n" for @good;
	$ok = 0 if @good;
	print "lint self-test: " . ($ok ? "every rule fails on its fixture, " .
	    "none on the good tree\n" : "FAILED\n");
	exit($ok ? 0 : 1);
}

my @found = lint_tree(@ARGV ? $ARGV[0] : '.');
print "$_\n" for @found;
print "lint: " . scalar(@found) . " finding(s)\n" if @found;
exit(@found ? 1 : 0);
