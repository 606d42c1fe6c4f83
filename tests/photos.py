"""Builders of photo uploads for the tests: a face photo with EXIF orientation and a GPS
position, a still grabbed from a video, animated GIF and WebP."""

from pathlib import Path

import numpy as np
from PIL import ExifTags, Image

from detection.frames import VideoSampler
from detection.synthetic import face_frames

# Seoul City Hall, as a phone writes it: degrees, minutes, seconds.
GPS = {1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 41.0)}


def exif_with(orientation: int = 1, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    return exif


def gps_of(path_or_image: Path | Image.Image) -> dict:
    image = path_or_image if isinstance(path_or_image, Image.Image) else Image.open(path_or_image)
    return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def face_photo(
    path: Path,
    *,
    size: tuple[int, int] = (640, 480),
    seed: int = 5,
    orientation: int = 1,
    gps: bool = True,
    format: str | None = None,
) -> Path:
    """A photo of a face (the synthetic portrait), with EXIF orientation and GPS."""
    frame = next(face_frames(1, size=size, seed=seed))
    picture = Image.fromarray(np.ascontiguousarray(frame[:, :, ::-1]))
    picture.save(path, format=format, exif=exif_with(orientation, gps), quality=92)
    return path


def still_from_video(video: Path, path: Path, index: int, quality: int = 85) -> Path:
    """Frame ``index`` of ``video``, saved as a JPEG: a screenshot reposted as a photo."""
    with VideoSampler(video) as sampler:
        [frame] = list(sampler.read([index]))
    Image.fromarray(np.ascontiguousarray(frame.image[:, :, ::-1])).save(path, quality=quality)
    return path


def animated(path: Path, frames: int = 12, size: tuple[int, int] = (160, 120), **save) -> Path:
    """An animation of face frames (GIF or WebP by the suffix of ``path``)."""
    pictures = [
        Image.fromarray(np.ascontiguousarray(f[:, :, ::-1]))
        for f in face_frames(frames, size=size, seed=9)
    ]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=80, loop=0, **save)
    return path
