/**
 * Nix-level parts of the base environment, written for tsnix: the `derivation` wrapper
 * around `derivationStrict` (one attribute set per output, sharing `drvAttrs`), and the
 * built-in `<nix/fetchurl.nix>` (a fixed-output `builtin:fetchurl` derivation).
 * They behave as Nix 2.8's corepkgs; the text is our own.
 */

/** Directory of the built-in Nix files, as Nix 2.8 names it. */
export const COREPKGS_DIR = '/__corepkgs__'

export const DERIVATION_NIX = `drvAttrs@{ outputs ? [ "out" ], ... }:
let
  strict = derivationStrict drvAttrs;
  perOutput = outputName: {
    name = outputName;
    value = common // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  outputsList = map perOutput outputs;
  common = drvAttrs // builtins.listToAttrs outputsList // {
    all = map (o: o.value) outputsList;
    inherit drvAttrs;
  };
in (builtins.head outputsList).value
`

export const FETCHURL_NIX = `{ system ? ""
, url
, hash ? ""
, md5 ? "", sha1 ? "", sha256 ? "", sha512 ? ""
, outputHash ?
    if hash != "" then hash
    else if sha512 != "" then sha512
    else if sha1 != "" then sha1
    else if md5 != "" then md5
    else sha256
, outputHashAlgo ?
    if hash != "" then ""
    else if sha512 != "" then "sha512"
    else if sha1 != "" then "sha1"
    else if md5 != "" then "md5"
    else "sha256"
, executable ? false
, unpack ? false
, name ? baseNameOf (toString url)
}:
derivation ({
  builder = "builtin:fetchurl";
  inherit outputHashAlgo outputHash name url executable unpack;
  outputHashMode = if unpack || executable then "recursive" else "flat";
  system = "builtin";
  preferLocalBuild = true;
  impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  urls = [ url ];
} // (if unpack then { outputHashMode = "recursive"; } else { }))
`

/** The built-in files by path. */
export const COREPKGS: ReadonlyMap<string, string> = new Map([
  [`${COREPKGS_DIR}/derivation.nix`, DERIVATION_NIX],
  [`${COREPKGS_DIR}/fetchurl.nix`, FETCHURL_NIX],
])
