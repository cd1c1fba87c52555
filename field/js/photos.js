// Photos are made small on the phone before they are queued: long side 1600 px, JPEG. Drawing through a
// canvas also leaves the file's metadata (EXIF, GPS) behind; the server strips it again in any case. The GPS
// position a camera wrote is read first (exifLonLat), so a photo can place its report, as on 보고 접수.
export const LONG_SIDE = 1600;
const QUALITY = 0.85;

async function decode(file) {
  if ("createImageBitmap" in window) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (err) {
      // some browsers decode only through an <img>: fall through
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** One picked or taken photo as {name, blob, width, height}, at most LONG_SIDE px on its long side. */
export async function downscale(file) {
  let image;
  try {
    image = await decode(file);
  } catch (err) {
    throw new Error(`${file.name}: 사진으로 읽을 수 없습니다 (JPEG·PNG·WebP 사진을 고르세요).`);
  }
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, LONG_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  if (image.close) image.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) throw new Error(`${file.name}: 사진을 줄이지 못했습니다.`);
  const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  return { name, blob, width: canvas.width, height: canvas.height };
}

const GPS_POINTER = 0x8825;

function rational(view, offset, little) {
  return view.getUint32(offset, little) / view.getUint32(offset + 4, little);
}

function degrees(view, tiff, entry, little) {
  const at = tiff + view.getUint32(entry + 8, little); // three rationals: degrees, minutes, seconds
  return rational(view, at, little) + rational(view, at + 8, little) / 60 + rational(view, at + 16, little) / 3600;
}

function entries(view, tiff, ifd, little) {
  const count = view.getUint16(tiff + ifd, little);
  const found = new Map();
  for (let i = 0; i < count; i++) {
    const entry = tiff + ifd + 2 + i * 12;
    found.set(view.getUint16(entry, little), entry);
  }
  return found;
}

function gpsFromTiff(view, tiff) {
  const little = view.getUint16(tiff) === 0x4949; // "II": little-endian
  const ifd0 = entries(view, tiff, view.getUint32(tiff + 4, little), little);
  if (!ifd0.has(GPS_POINTER)) return null;
  const gps = entries(view, tiff, view.getUint32(ifd0.get(GPS_POINTER) + 8, little), little);
  if (![1, 2, 3, 4].every((tag) => gps.has(tag))) return null;
  const ref = (tag) => String.fromCharCode(view.getUint8(gps.get(tag) + 8));
  const lat = degrees(view, tiff, gps.get(2), little) * (ref(1) === "S" ? -1 : 1);
  const lon = degrees(view, tiff, gps.get(4), little) * (ref(3) === "W" ? -1 : 1);
  return Number.isFinite(lon) && Number.isFinite(lat) && (lon || lat) ? [lon, lat] : null;
}

/** The [lon, lat] a camera wrote into a JPEG's EXIF, or null (no EXIF, no GPS, not a JPEG, unreadable). */
export async function exifLonLat(file) {
  try {
    const view = new DataView(await file.slice(0, 256 * 1024).arrayBuffer());
    if (view.getUint16(0) !== 0xffd8) return null; // not a JPEG
    for (let at = 2; at + 4 < view.byteLength;) {
      const marker = view.getUint16(at);
      const length = view.getUint16(at + 2);
      if (marker === 0xffe1 && view.getUint32(at + 4) === 0x45786966) return gpsFromTiff(view, at + 10); // "Exif"
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null; // image data: no EXIF before it
      at += 2 + length;
    }
  } catch (err) {
    return null; // a damaged header is no position, not an error
  }
  return null;
}
